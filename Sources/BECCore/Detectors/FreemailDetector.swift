/// Freemail senders: From (or the envelope sender) on a consumer mailbox provider. Weak alone;
/// strong in combination with a protected name or an executive title (see the scorer's combinations).
public struct FreemailDetector: Detector {
    public static let info = DetectorInfo(
        id: "freemail",
        summary: "The sender uses a consumer freemail provider.",
        symbols: [
            SymbolInfo("FREEMAIL_FROM", group: "freemail", "From is a freemail address"),
            SymbolInfo("FREEMAIL_EXEC_TITLE", group: "identity", "a freemail sender whose display name or address carries an executive title"),
        ],
        triggering: [
            DetectorExample("From: a <a@gmail.com>\n\nhi", fires: ["FREEMAIL_FROM"]),
            DetectorExample("From: CEO Office <ceo.office@outlook.com>\n\nhi", fires: ["FREEMAIL_FROM", "FREEMAIL_EXEC_TITLE"]),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@example.com>\n\nhi"),
        ])

    static let titleWords: Set<String> = ["ceo", "cfo", "coo", "cto", "cio", "president", "chairman", "director", "chief", "exec", "executive", "counsel", "md"]
    let services: any UnicodeServices

    public init(policy: Policy, services: any UnicodeServices) { self.services = services }

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        guard let from = ctx.from, ctx.isFreemail(from.asciiDomain) else { return [] }
        var out = [Finding("FREEMAIL_FROM", "From \(from.address) is on freemail provider \(ctx.registrable(from.asciiDomain))")]
        let words = TextNormalizer.words(from.displayName + " " + from.localPart.replacingOccurrences(".", " ").replacingOccurrences("_", " "), services: services)
        if let t = words.first(where: Self.titleWords.contains) {
            out.append(Finding("FREEMAIL_EXEC_TITLE", "freemail sender \(from.address) carries the title word \"\(t)\""))
        }
        return out
    }
}
