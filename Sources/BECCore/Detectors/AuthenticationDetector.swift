/// Own-domain and vendor authentication, judged only from the Authentication-Results header
/// our own MTA stamped (the topmost one with our authserv-id). Every other A-R header is
/// ignored, and one claiming our authserv-id further down is itself a finding.
public struct AuthenticationDetector: Detector {
    public static let info = DetectorInfo(
        id: "authentication",
        summary: "Own-domain or vendor-domain From without an aligned pass from our trusted Authentication-Results; forged A-R headers.",
        symbols: [
            SymbolInfo("OWN_DOMAIN_SPOOF", group: "identity", "From is on our own domain, arrived from outside, and has no aligned DMARC/DKIM pass"),
            SymbolInfo("VENDOR_DOMAIN_SPOOF", group: "identity", "From is on a vendor's domain and has no aligned DMARC/DKIM pass"),
            SymbolInfo("AUTH_RESULTS_FORGED", group: "identity", "an Authentication-Results header with our authserv-id that our MTA did not add"),
            SymbolInfo("DMARC_FAIL", group: "auth", "our trusted DMARC result for the From domain is fail"),
            SymbolInfo("AUTH_RESULTS_MISSING", group: "auth", "no Authentication-Results header from our own authserv-id (informational)"),
            SymbolInfo("VENDOR_DOMAIN_AUTHENTICATED", group: "vendor", "From is a vendor's real domain with an aligned pass (informational; combines with bank-change language)"),
        ],
        triggering: [
            DetectorExample("Authentication-Results: mx.callowayfreight.com; spf=fail smtp.mailfrom=callowayfreight.com; dkim=none; dmarc=fail header.from=callowayfreight.com\nFrom: CEO <ceo@callowayfreight.com>\n\nhi",
                            fires: ["OWN_DOMAIN_SPOOF", "DMARC_FAIL"]),
            DetectorExample("Authentication-Results: mx.callowayfreight.com; dmarc=fail header.from=kestrelfuel.com\nFrom: a <accounts@kestrelfuel.com>\n\nhi",
                            fires: ["VENDOR_DOMAIN_SPOOF"]),
            DetectorExample("Authentication-Results: mx.callowayfreight.com; dmarc=fail header.from=example.com\nAuthentication-Results: mx.callowayfreight.com; dmarc=pass header.from=callowayfreight.com\nFrom: a <a@callowayfreight.com>\n\nhi",
                            fires: ["AUTH_RESULTS_FORGED", "OWN_DOMAIN_SPOOF"]),
            DetectorExample("Authentication-Results: evil.example; dmarc=pass header.from=callowayfreight.com\nFrom: a <a@callowayfreight.com>\n\nhi",
                            fires: ["OWN_DOMAIN_SPOOF", "AUTH_RESULTS_MISSING"]),
        ],
        nonTriggering: [
            DetectorExample("Authentication-Results: mx.callowayfreight.com; dkim=pass header.d=callowayfreight.com; dmarc=pass header.from=callowayfreight.com\nFrom: a <a@callowayfreight.com>\n\nhi"),
            DetectorExample("Authentication-Results: mx.callowayfreight.com; dkim=pass header.d=kestrelfuel.com; dmarc=pass header.from=kestrelfuel.com\nFrom: a <a@kestrelfuel.com>\n\nhi"),
            DetectorExample("From: a <a@callowayfreight.com>\n\nhi", envelope: Envelope(authenticatedUser: "a")),
        ])

    public init(policy: Policy, services: any UnicodeServices) {}

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        var out: [Finding] = []
        let id = ctx.policy.organization.authservID
        if ctx.forgedAuthCount > 0 {
            out.append(Finding("AUTH_RESULTS_FORGED", "\(ctx.forgedAuthCount) Authentication-Results header(s) claim authserv-id \(id) but are not the one our MTA added on top"))
        }
        if ctx.trustedAuth == nil && !id.isEmpty && !ctx.isInternal {
            out.append(Finding("AUTH_RESULTS_MISSING", "no Authentication-Results from \(id) on top; authentication unknown"))
        }
        guard let from = ctx.from, !from.asciiDomain.isEmpty else { return out }
        let dmarc = ctx.dmarcResult()
        if dmarc == "fail" {
            out.append(Finding("DMARC_FAIL", "DMARC fail for \(from.asciiDomain) per \(id)"))
        }
        if ctx.isInternal || ctx.alignedPass(from.asciiDomain) {
            if let v = ctx.vendor(for: from.asciiDomain), !ctx.isInternal {
                out.append(Finding("VENDOR_DOMAIN_AUTHENTICATED", "From \(from.address) is vendor \(v.name)'s real domain, aligned pass"))
            }
            return out
        }
        let auth = ctx.trustedAuth.map { a in a.results.map { "\($0.method)=\($0.result)" }.joined(separator: " ") } ?? "no trusted result"
        if ctx.isOwnDomain(from.asciiDomain) {
            out.append(Finding("OWN_DOMAIN_SPOOF", "From \(from.address) is our own domain but arrived from outside without an aligned pass (\(auth))"))
        } else if let v = ctx.vendor(for: from.asciiDomain), dmarc != "pass" {
            out.append(Finding("VENDOR_DOMAIN_SPOOF", "From \(from.address) is vendor \(v.name)'s domain without an aligned pass (\(auth))"))
        }
        return out
    }
}
