/// Structural red flags from the parse: more than one From, no From, hidden HTML text, and our
/// own verdict headers arriving from outside (someone trying to forge a clean verdict).
public struct MessageStructureDetector: Detector {
    public static let info = DetectorInfo(
        id: "message_structure",
        summary: "Several From addresses or headers, no From, hidden HTML text, forged X-BEC headers.",
        symbols: [
            SymbolInfo("FROM_MULTIPLE", group: "structure", "several From headers or several addresses in From"),
            SymbolInfo("FROM_MISSING", group: "structure", "no usable From address"),
            SymbolInfo("HTML_HIDDEN_TEXT", group: "structure", "HTML hides text from the reader"),
            SymbolInfo("XBEC_HEADER_FROM_OUTSIDE", group: "structure", "X-BEC-* headers arrived with the message (they are removed; we add our own)"),
        ],
        triggering: [
            DetectorExample("From: a <a@example.com>\nFrom: b <b@example.org>\n\nhi", fires: ["FROM_MULTIPLE"]),
            DetectorExample("Subject: x\n\nhi", fires: ["FROM_MISSING"]),
            DetectorExample("From: a <a@example.com>\nX-BEC-Verdict: accept\n\nhi", fires: ["XBEC_HEADER_FROM_OUTSIDE"]),
            DetectorExample("From: a <a@example.com>\nContent-Type: text/html\n\n<p>hi</p><div style=\"display:none\">invoice wire</div>", fires: ["HTML_HIDDEN_TEXT"]),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@example.com>\n\nhi"),
        ])

    public init(policy: Policy, services: any UnicodeServices) {}

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        let m = ctx.message
        var out: [Finding] = []
        if m.hasDefect(.MULTIPLE_FROM_HEADERS) || m.hasDefect(.FROM_MULTIPLE_ADDRESSES) {
            out.append(Finding("FROM_MULTIPLE", "From lists \(m.from.count) addresses: " + m.from.prefix(3).map(\.address).joined(separator: ", ")))
        }
        if m.hasDefect(.MISSING_FROM) || m.hasDefect(.FROM_EMPTY) {
            out.append(Finding("FROM_MISSING", "no usable From address"))
        }
        if m.hasDefect(.HTML_HIDDEN_TEXT) {
            out.append(Finding("HTML_HIDDEN_TEXT", "HTML hides \(m.hiddenText.count) characters of text"))
        }
        let xbec = m.headers.fields.filter { $0.key.hasPrefix("x-bec-") }
        if !xbec.isEmpty {
            out.append(Finding("XBEC_HEADER_FROM_OUTSIDE", "\(xbec.count) X-BEC header(s) arrived from outside: " + Set(xbec.map(\.name)).sorted().joined(separator: ", ")))
        }
        return out
    }
}
