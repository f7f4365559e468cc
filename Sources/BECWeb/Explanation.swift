import BECCore

/// The verdict in plain words: findings grouped by what they say about the message, each group
/// introduced by a sentence, each finding's evidence (which already names the impersonated person,
/// the lookalike family, the phrases) with every non-ASCII character shown beside its code point.
enum Explanation {
    struct Group {
        let title: String
        let sentence: String
        let matches: @Sendable (String) -> Bool
        /// Whether to annotate non-ASCII characters of the evidence with code points.
        let codePoints: Bool
    }

    static let groups: [Group] = [
        Group(title: "Who it pretends to be", sentence: "The sender poses as someone the recipient trusts.",
              matches: { $0.hasPrefix("IMPERSONATE_") || $0.hasPrefix("DISPLAY_NAME_CLAIMS") || $0 == "DISPLAY_NAME_ADDRESS_MISMATCH" }, codePoints: true),
        Group(title: "Disguised characters", sentence: "Characters that look like others, or that cannot be seen, are used to pass as a known name or domain. Each is shown with its code point.",
              matches: { ["DISPLAY_NAME_MIXED_SCRIPT", "DISPLAY_NAME_INVISIBLE_CHARS", "DISPLAY_NAME_COMPAT_LETTERS", "FROM_DOMAIN_MIXED_SCRIPT", "SUBJECT_INVISIBLE_CHARS"].contains($0) }, codePoints: true),
        Group(title: "Lookalike domains", sentence: "A domain imitates one of ours or a vendor's; the family in brackets names the trick (homoglyph, omission, tld-swap, ...).",
              matches: { $0.hasPrefix("LOOKALIKE_") }, codePoints: true),
        Group(title: "Authentication", sentence: "What the receiving server's authentication checks say about the sender's domain.",
              matches: { $0.hasPrefix("AUTH_") || $0.hasPrefix("DMARC_") || $0.hasSuffix("_SPOOF") || $0 == "VENDOR_DOMAIN_AUTHENTICATED" }, codePoints: false),
        Group(title: "Sender and reply addresses", sentence: "Where the message comes from and where replies would go.",
              matches: { $0.hasPrefix("REPLYTO_") || $0.hasPrefix("FREEMAIL_") || $0 == "ENVELOPE_FROM_MISMATCH" }, codePoints: false),
        Group(title: "What it asks for", sentence: "Phrases and payment details typical of fraud requests (the language and the phrase found).",
              matches: { $0.hasPrefix("LANG_") || $0.hasPrefix("BANK_") }, codePoints: false),
        Group(title: "Conversation tricks", sentence: "The message pretends to continue an earlier conversation.",
              matches: { $0.hasPrefix("FAKE_REPLY") }, codePoints: false),
        Group(title: "Combinations", sentence: "Extra weight because these signs appeared together.",
              matches: { $0.hasPrefix("COMBO_") }, codePoints: false),
    ]

    static let other = Group(title: "Other signs", sentence: "Further observations about the message's structure.", matches: { _ in true }, codePoints: false)

    static func render(_ v: Verdict) -> HTML {
        var used = Set<Int>()
        var sections: [HTML] = []
        for g in groups + [other] {
            let items = v.findings.enumerated().filter { !used.contains($0.offset) && g.matches($0.element.symbol) }
            guard !items.isEmpty else { continue }
            items.forEach { used.insert($0.offset) }
            let lis = items.map { finding($0.element, codePoints: g.codePoints) }
            sections.append("<li><span class=\"group\">\(g.title).</span> \(g.sentence)<ul>\(lis)</ul></li>")
        }
        let thresholds = v.thresholds
        var head: [HTML] = ["<p>Verdict <strong>\(v.action.rawValue)</strong> with score <strong>\(VerdictFormatter.format(v.score))</strong>"]
        if let q = thresholds.quarantine { head.append(" (quarantine at \(VerdictFormatter.format(q))") ; head.append(thresholds.reject.map { ", reject at \(VerdictFormatter.format($0)))" } ?? ")") }
        if let g = v.recipientGroup { head.append(", using the stricter thresholds of recipient group \(g)") }
        head.append(".</p>")
        let notes: [HTML] = v.notes.map { "<li class=\"muted\">Note: \($0)</li>" }
        let body: HTML = sections.isEmpty ? "<p class=\"muted\">No findings were recorded.</p>" : "<ul class=\"explain\">\(sections)\(notes)</ul>"
        return HTML.join(head) + body
    }

    static func finding(_ f: Finding, codePoints: Bool) -> HTML {
        let sign = f.weight >= 0 ? "+" : ""
        let ev = codePoints ? annotate(f.evidence) : "\(f.evidence)"
        let by: HTML = f.detector.isEmpty ? "" : " <span class=\"muted\">(\(f.detector))</span>"
        return "<li><span class=\"weight\">\(sign)\(VerdictFormatter.format(f.weight))</span> <span class=\"sym\">\(f.symbol)</span> \(ev)\(by)</li>"
    }

    /// Escaped text where each non-ASCII character is highlighted and followed by its code point and name.
    static func annotate(_ s: String, limit: Int = 40) -> HTML {
        var parts: [HTML] = []
        var plain = ""
        var count = 0
        for u in s.unicodeScalars {
            if u.isASCII || count >= limit || HTML.isDisguising(u) {
                plain.unicodeScalars.append(u)
                continue
            }
            count += 1
            parts.append("\(plain)")
            plain = ""
            let name = u.properties.name.map { " " + $0 } ?? ""
            parts.append("<span class=\"glyph\">\(String(u))</span><span class=\"cp\">\(HTML.codePoint(u) + name)</span>")
        }
        parts.append("\(plain)")
        return HTML.join(parts)
    }
}
