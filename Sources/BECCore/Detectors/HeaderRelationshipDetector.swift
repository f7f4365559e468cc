/// Header relationships: a Reply-To that leads elsewhere than From, an envelope sender on
/// another domain, and a display name that is itself an address different from the real one.
public struct HeaderRelationshipDetector: Detector {
    public static let info = DetectorInfo(
        id: "header_relationships",
        summary: "Reply-To to another domain (worse when freemail), envelope/From mismatch, a display name that is a different address.",
        symbols: [
            SymbolInfo("REPLYTO_DOMAIN_MISMATCH", group: "headers", "Reply-To is on a different registrable domain than From"),
            SymbolInfo("REPLYTO_FREEMAIL", group: "headers", "Reply-To is a freemail address while From is not"),
            SymbolInfo("ENVELOPE_FROM_MISMATCH", group: "headers", "the envelope sender's domain differs from the From domain (informational)"),
            SymbolInfo("DISPLAY_NAME_ADDRESS_MISMATCH", group: "headers", "the display name holds an address other than the real one"),
            SymbolInfo("DISPLAY_NAME_CLAIMS_PROTECTED_ADDRESS", group: "identity", "the display name holds an address on our or a vendor's domain, the real address is elsewhere"),
        ],
        triggering: [
            DetectorExample("From: a <a@example.com>\nReply-To: b <b@gmail.com>\n\nhi", fires: ["REPLYTO_DOMAIN_MISMATCH", "REPLYTO_FREEMAIL"]),
            DetectorExample("From: \"david.lindqvist@callowayfreight.com\" <dl@aol.com>\n\nhi", fires: ["DISPLAY_NAME_ADDRESS_MISMATCH", "DISPLAY_NAME_CLAIMS_PROTECTED_ADDRESS"]),
            DetectorExample("Return-Path: <bounce@esp.example>\nFrom: a <a@example.com>\n\nhi", fires: ["ENVELOPE_FROM_MISMATCH"]),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@example.com>\nReply-To: b <b@mail.example.com>\n\nhi"),
            DetectorExample("From: \"a@example.com\" <a@example.com>\n\nhi"),
            DetectorExample("Return-Path: <bounce@mail.example.com>\nFrom: a <a@example.com>\n\nhi"),
        ])

    public init(policy: Policy, services: any UnicodeServices) {}

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        guard let from = ctx.from, !from.asciiDomain.isEmpty else { return [] }
        var out: [Finding] = []
        let fromReg = ctx.registrable(from.asciiDomain)
        for rt in ctx.message.replyTo.prefix(4) where !rt.asciiDomain.isEmpty {
            let rtReg = ctx.registrable(rt.asciiDomain)
            guard rtReg != fromReg else { continue }
            out.append(Finding("REPLYTO_DOMAIN_MISMATCH", "Reply-To \(rt.address) is not on From's domain \(fromReg)"))
            if ctx.isFreemail(rt.asciiDomain) && !ctx.isFreemail(from.asciiDomain) {
                out.append(Finding("REPLYTO_FREEMAIL", "replies go to freemail \(rt.address) while From is \(from.address)"))
            }
            break
        }
        let env = ctx.message.envelope.mailFrom ?? ctx.message.returnPath.map { $0.domain.isEmpty ? "" : $0.address }
        if let env, let at = env.lastIndex(of: "@") {
            let d = ctx.registrable(String(env[env.index(after: at)...]))
            if d != fromReg { out.append(Finding("ENVELOPE_FROM_MISMATCH", "envelope sender domain \(d) differs from From domain \(fromReg)")) }
        }
        for embedded in NameMatcher.embeddedAddresses(from.displayName) where embedded != from.normalized {
            out.append(Finding("DISPLAY_NAME_ADDRESS_MISMATCH", "From display name shows \(embedded) but the address is \(from.address)"))
            let d = String(embedded.split(separator: "@").last ?? "")
            if ctx.isOwnDomain(d) || ctx.vendor(for: d) != nil {
                out.append(Finding("DISPLAY_NAME_CLAIMS_PROTECTED_ADDRESS", "From display name claims protected address \(embedded); real sender \(from.address)"))
            }
            break
        }
        return out
    }
}
