/// Confusables and scripts (UTS #39 through ICU): a display name word that mixes Latin with
/// look-alike letters of another script, invisible or bidi control characters, compatibility
/// letters (fullwidth, mathematical), and From domains that mix scripts. A name written wholly
/// in one script (Ελένη Παπαδοπούλου, 박준서, Олександр) is legitimate and never flagged for it.
public struct ConfusablesDetector: Detector {
    public static let info = DetectorInfo(
        id: "confusables",
        summary: "Mixed-script words, invisible characters and compatibility letters in display names and domains.",
        symbols: [
            SymbolInfo("DISPLAY_NAME_MIXED_SCRIPT", group: "obfuscation", "a display-name word mixes Latin with look-alike letters of another script"),
            SymbolInfo("DISPLAY_NAME_INVISIBLE_CHARS", group: "obfuscation", "zero-width or bidi control characters in a display name"),
            SymbolInfo("DISPLAY_NAME_COMPAT_LETTERS", group: "obfuscation", "fullwidth or mathematical letters in a display name"),
            SymbolInfo("FROM_DOMAIN_MIXED_SCRIPT", group: "obfuscation", "an internationalized From domain mixing scripts in one label"),
            SymbolInfo("SUBJECT_INVISIBLE_CHARS", group: "obfuscation", "zero-width or bidi control characters in the Subject"),
        ],
        triggering: [
            DetectorExample("From: Helen \u{0410}\u{0441}hterberg <h@example.com>\n\nhi", fires: ["DISPLAY_NAME_MIXED_SCRIPT"]),
            DetectorExample("From: David L\u{200C}indqvist <d@example.com>\n\nhi", fires: ["DISPLAY_NAME_INVISIBLE_CHARS"]),
            DetectorExample("From: \u{1D40C}argaret <d@example.com>\n\nhi", fires: ["DISPLAY_NAME_COMPAT_LETTERS"]),
            DetectorExample("From: a <a@xn--cllowayfreight-vtl.com>\n\nhi", fires: ["FROM_DOMAIN_MIXED_SCRIPT"]),
            DetectorExample("From: a <a@example.com>\nSubject: pay\u{202E}ment\n\nhi", fires: ["SUBJECT_INVISIBLE_CHARS"]),
        ],
        nonTriggering: [
            DetectorExample("From: \u{0395}\u{03BB}\u{03AD}\u{03BD}\u{03B7} \u{03A0}\u{03B1}\u{03C0}\u{03B1}\u{03B4}\u{03BF}\u{03C0}\u{03BF}\u{03CD}\u{03BB}\u{03BF}\u{03C5} <e@example.gr>\n\nhi"),
            DetectorExample("From: \u{BC15}\u{C900}\u{C11C} <p@example.kr>\n\nhi"),
            DetectorExample("From: \u{041E}\u{043B}\u{0435}\u{043A}\u{0441}\u{0430}\u{043D}\u{0434}\u{0440} <o@example.ua>\n\nhi"),
            DetectorExample("From: \u{4F50}\u{85E4} \u{5065} <k@example.jp>\n\nhi"),
            DetectorExample("From: Tom\u{00E1}s Echeverr\u{00ED}a <t@example.com>\n\nhi"),
            DetectorExample("From: a <a@b\u{00FC}cher.de>\n\nhi"),
        ])

    let services: any UnicodeServices

    public init(policy: Policy, services: any UnicodeServices) { self.services = services }

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        var out: [Finding] = []
        let m = ctx.message
        var names: [(String, String)] = m.from.map { ("From", $0.displayName) }
        names += m.replyTo.map { ("Reply-To", $0.displayName) }
        if let s = m.sender { names.append(("Sender", s.displayName)) }
        for (role, name) in names.prefix(8) where !name.isEmpty {
            let (visible, invisible) = TextNormalizer.stripInvisible(name)
            if !invisible.isEmpty {
                out.append(Finding("DISPLAY_NAME_INVISIBLE_CHARS",
                                   "\(role) display name \"\(visible)\" hides \(invisible.count) invisible character(s): " +
                                   Set(invisible).map(NameMatcher.codePoint).sorted().joined(separator: ", ")))
            }
            if let f = mixedScript(role, visible) { out.append(f) }
            let compat = visible.unicodeScalars.filter(Self.isCompatLetter)
            if !compat.isEmpty {
                out.append(Finding("DISPLAY_NAME_COMPAT_LETTERS", "\(role) display name \"\(visible)\" uses " +
                                   compat.prefix(4).map(NameMatcher.codePoint).joined(separator: ", ")))
            }
        }
        if let from = ctx.from, from.domain != from.asciiDomain {
            for label in from.domain.split(separator: ".") where services.restrictionLevel(String(label)) >= .moderatelyRestrictive {
                out.append(Finding("FROM_DOMAIN_MIXED_SCRIPT", "From domain \(from.domain) (\(from.asciiDomain)) mixes scripts in \"\(label)\": " +
                                   describeForeign(String(label))))
                break
            }
        }
        let (_, subjInvisible) = TextNormalizer.stripInvisible(m.subject)
        if subjInvisible.contains(where: { $0.value != 0x00AD }) {
            out.append(Finding("SUBJECT_INVISIBLE_CHARS", "Subject hides " + Set(subjInvisible).map(NameMatcher.codePoint).sorted().joined(separator: ", ")))
        }
        return out
    }

    /// A word mixing scripts in a way UTS #39 does not allow even at "highly restrictive"
    /// (Latin with Cyrillic or Greek, say). Whole words in one script pass.
    func mixedScript(_ role: String, _ name: String) -> Finding? {
        let words = name.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        for w in words.prefix(16) {
            let word = String(w)
            guard word.unicodeScalars.contains(where: { !$0.isASCII }) else { continue }
            let level = services.restrictionLevel(word)
            guard level >= .moderatelyRestrictive else { continue }
            let scripts = services.scripts(word).sorted().joined(separator: "+")
            return Finding("DISPLAY_NAME_MIXED_SCRIPT",
                           "\(role) display name word \"\(word)\" mixes scripts (\(scripts), \(level)): \(describeForeign(word))")
        }
        return nil
    }

    func describeForeign(_ word: String) -> String {
        word.unicodeScalars.filter { !$0.isASCII && $0.properties.isAlphabetic }.prefix(4).map { c in
            let sk = services.skeleton(String(c))
            return "\(NameMatcher.codePoint(c)) looks like \"\(sk)\""
        }.joined(separator: ", ")
    }

    static func isCompatLetter(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0xFF21...0xFF3A, 0xFF41...0xFF5A, 0xFF10...0xFF19, 0x1D400...0x1D7FF, 0x2100...0x214F, 0x24B6...0x24E9, 0x1F130...0x1F189: true
        default: false
        }
    }
}
