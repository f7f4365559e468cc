/// Fake replies: a "Re:"-style subject (in several languages) on a message that references no
/// earlier message, especially when the body carries quoted history to look like a thread.
public struct ThreadHijackDetector: Detector {
    public static let info = DetectorInfo(
        id: "thread_hijack",
        summary: "A reply subject with no In-Reply-To/References; worse when the body fakes quoted history.",
        symbols: [
            SymbolInfo("FAKE_REPLY", group: "headers", "a reply subject (Re:, AW:, SV:, RES:, ...) without In-Reply-To or References"),
            SymbolInfo("FAKE_REPLY_QUOTED_HISTORY", group: "headers", "a fake reply whose body carries quoted history"),
        ],
        triggering: [
            DetectorExample("From: a <a@example.com>\nSubject: RE: Invoice 42\n\nplease pay", fires: ["FAKE_REPLY"]),
            DetectorExample("From: a <a@example.com>\nSubject: AW: Rechnung\n\nbitte\n\n-----Original Message-----\nFrom: b", fires: ["FAKE_REPLY", "FAKE_REPLY_QUOTED_HISTORY"]),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@example.com>\nSubject: Re: Invoice 42\nIn-Reply-To: <x@example.com>\n\nok"),
            DetectorExample("From: a <a@example.com>\nSubject: Regarding invoice\n\nok"),
        ])

    static let prefixes = ["re", "aw", "sv", "vs", "antw", "res", "rif", "odp", "ynt", "atb", "vá", "ref", "r"]

    public init(policy: Policy, services: any UnicodeServices) {}

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        let m = ctx.message
        guard m.inReplyTo.isEmpty, m.references.isEmpty, let p = Self.replyPrefix(m.subject) else { return [] }
        var out = [Finding("FAKE_REPLY", "subject starts with \"\(p)\" but the message references no earlier message")]
        if let q = Self.quotedHistory(m.text) {
            out.append(Finding("FAKE_REPLY_QUOTED_HISTORY", "body carries quoted history (\"\(q)\") without thread headers"))
        }
        return out
    }

    static func replyPrefix(_ subject: String) -> String? {
        let s = subject.trimmingSpaces()
        guard let colon = s.firstIndex(where: { $0 == ":" || $0 == "：" }) else { return nil }
        let head = s[..<colon].lowercased().trimmingSpaces()
        let base = head.split(separator: "[").first.map(String.init) ?? head
        return prefixes.contains(base.trimmingSpaces()) ? String(s[...colon]) : nil
    }

    static let markers = ["-----original message-----", "wrote:", "schrieb:", "a écrit", "escribió:", "escreveu:", "heeft geschreven", "ha scritto",
                          "\nfrom:", "\nvon:", "\nde:", "\nvan:", "\nda:", "\n>"]

    static func quotedHistory(_ text: String) -> String? {
        let lower = text.prefix(100_000).lowercased()
        for k in markers where lower.contains(k) {
            if k.hasPrefix("\nfrom:") || k.hasPrefix("\nvon:") || k.hasPrefix("\nde:") || k.hasPrefix("\nvan:") || k.hasPrefix("\nda:") {
                // A quoted header block has a Sent/Date line too.
                guard lower.contains("\nsent:") || lower.contains("\ngesendet:") || lower.contains("\ndate:") || lower.contains("\nenviado:") || lower.contains("\nenvoyé :") || lower.contains("\nverzonden:") else { continue }
            }
            return k.trimmingSpaces()
        }
        return nil
    }
}
