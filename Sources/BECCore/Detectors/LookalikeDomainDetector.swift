/// Lookalike domains: From, Reply-To, envelope sender and Sender domains that imitate our own
/// or a vendor's domain. Families are named as dnstwist names them.
public struct LookalikeDomainDetector: Detector {
    public static let info = DetectorInfo(
        id: "lookalike_domain",
        summary: "A sender-side domain imitates one of our domains or a vendor's (homoglyph, addition, omission, tld-swap, ...).",
        symbols: [
            SymbolInfo("LOOKALIKE_OWN_DOMAIN", group: "identity", "a sender-side domain imitates one of our own domains"),
            SymbolInfo("LOOKALIKE_VENDOR_DOMAIN", group: "identity", "a sender-side domain imitates a listed vendor's domain"),
        ],
        triggering: [
            DetectorExample("From: a <a@ca11owayfreight.com>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@callowayfreightltd.com>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@callowayfreight.net>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@calloway-freight.com>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@callowayfrieght.com>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@callovvayfreight.com>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@callowayfreight.com.example.net>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@xn--cllowayfreight-vtl.com>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
            DetectorExample("From: a <a@example.com>\nReply-To: b <b@kestrelfuel-billing.com>\n\nhi", fires: ["LOOKALIKE_VENDOR_DOMAIN"]),
            DetectorExample("From: a <a@orsalogistik.de>\n\nhi", fires: ["LOOKALIKE_VENDOR_DOMAIN"]),
            DetectorExample("From: a <a@example.com>\nCc: CEO <ceo@callowayfreight.co>\n\nhi", fires: ["LOOKALIKE_OWN_DOMAIN"]),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@callowayfreight.com>\n\nhi"),
            DetectorExample("From: a <a@mail.callowayfreight.co.uk>\n\nhi"),
            DetectorExample("From: a <a@gmail.com>\n\nhi"),
            DetectorExample("From: a <a@kestrelfuel.com>\n\nhi"),
            DetectorExample("From: a <a@harrowandfinch.co.uk>\n\nhi"),
        ])

    struct Protected: Sendable {
        var domain: String
        var label: String
        var suffix: String
        var labelScalars: [Unicode.Scalar]
        var skeleton: String
        var vendor: String?
        // Derived once, not per address: label length in characters, "domain.", "domain-with-dashes".
        var labelCount = 0
        var domainDot = ""
        var domainDashed = ""
        var labelNoHyphens = ""
    }

    let protected: [Protected]
    let psl: PublicSuffixList
    let services: any UnicodeServices
    let exact: Set<String>

    public init(policy: Policy, services: any UnicodeServices) {
        self.services = services
        psl = policy.publicSuffixes
        var p: [Protected] = []
        var ex = Set<String>()
        for (domain, vendor) in policy.organization.domains.map({ ($0, String?.none) }) + policy.vendors.flatMap({ v in v.domains.map { ($0, Optional(v.name)) } }) {
            let reg = psl.registrableDomain(domain)
            ex.insert(reg)
            let suffix = psl.suffix(of: reg)
            let label = suffix.isEmpty ? reg : String(reg.dropLast(suffix.count + 1))
            p.append(Protected(domain: reg, label: label, suffix: suffix, labelScalars: Array(label.unicodeScalars),
                               skeleton: services.skeleton(label.lowercased()).lowercased(), vendor: vendor,
                               labelCount: label.count, domainDot: reg + ".", domainDashed: reg.replacingOccurrences(".", "-"),
                               labelNoHyphens: label.replacingHyphens()))
        }
        protected = p
        exact = ex
    }

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        let m = ctx.message
        var roles: [(String, MailAddress, Double)] = m.from.prefix(4).map { ("From", $0, 1.0) }
        roles += m.replyTo.prefix(4).map { ("Reply-To", $0, 1.0) }
        if let s = m.sender { roles.append(("Sender", s, 0.8)) }
        // A fake colleague copied in (Cc: "CEO" on a lookalike) lends a lure authority.
        roles += (m.to + m.cc).prefix(50).map { ("To/Cc", $0, 0.7) }
        if let env = m.envelope.mailFrom, let at = env.lastIndex(of: "@") {
            roles.append(("envelope sender", MailAddress(localPart: String(env[..<at]), domain: String(env[env.index(after: at)...])), 0.8))
        } else if let rp = m.returnPath, !rp.domain.isEmpty {
            roles.append(("Return-Path", rp, 0.8))
        }
        var out: [Finding] = []
        var seen = Set<String>()
        // One classification per domain, however many roles and recipients carry it.
        var memo: [String: (Protected, String)?] = [:]
        for (role, addr, strength) in roles where !addr.asciiDomain.isEmpty {
            guard seen.insert(addr.asciiDomain + role).inserted else { continue }
            let key = addr.domain + "\u{0}" + addr.asciiDomain
            let hit: (Protected, String)?
            if let cached = memo[key] { hit = cached } else { hit = classify(addr); memo[key] = .some(hit) }
            if let (p, family) = hit {
                let display = addr.domain == addr.asciiDomain ? addr.domain : "\(addr.domain) (\(addr.asciiDomain))"
                let whose = p.vendor.map { "vendor \($0)'s domain" } ?? "our domain"
                out.append(Finding(p.vendor == nil ? "LOOKALIKE_OWN_DOMAIN" : "LOOKALIKE_VENDOR_DOMAIN",
                                   "\(role) domain \(display) imitates \(whose) \(p.domain) (\(family))", strength: strength))
            }
        }
        return out
    }

    /// Finds the protected domain `addr` imitates and the family of the trick.
    func classify(_ addr: MailAddress) -> (Protected, String)? {
        let reg = psl.registrableDomain(addr.asciiDomain)
        if exact.contains(reg) { return nil }
        let unicodeReg = psl.registrableDomain(addr.domain)
        let suffix = psl.suffix(of: unicodeReg)
        let label = suffix.isEmpty ? unicodeReg : String(unicodeReg.dropLast(suffix.count + 1))
        let labelScalars = Array(label.unicodeScalars)
        let skeleton = services.skeleton(label).lowercased()
        let hostLabels = addr.asciiDomain.split(separator: ".").map(String.init)
        let labelNoHyphens = label.replacingHyphens()
        for p in protected {
            if label == p.label { return (p, "tld-swap: .\(suffix) for .\(p.suffix)") }
            if skeleton == p.skeleton {
                let idn = addr.domain != addr.asciiDomain ? "IDN " : ""
                return (p, "\(idn)homoglyph: \"\(label)\" renders like \"\(p.label)\"")
            }
            if labelNoHyphens == p.labelNoHyphens { return (p, "hyphenation") }
            if let fam = editFamily(labelScalars, p.labelScalars) { return (p, fam) }
            // Homoglyph plus one edit, as in "rnargaret"-style or "ca11oway" plus a suffix.
            if p.labelCount >= 8, EditDistance.damerauLevenshtein(skeleton, p.skeleton, limit: 1) <= 1 {
                return (p, "homoglyph+edit: \"\(label)\" ~ \"\(p.label)\"")
            }
            if p.labelCount >= 6 {
                if label.utf8Contains(p.label) || (p.labelCount >= 8 && skeleton.utf8Contains(p.skeleton)) {
                    return (p, "dictionary: \"\(label)\" embeds \"\(p.label)\"")
                }
                // Our label as a subdomain of someone else's domain: callowayfreight.com.example.net.
                // (A SaaS tenant such as callowayfreight.atlassian.net embeds only the label: not this.)
                if addr.asciiDomain.utf8Contains(p.domainDot) || hostLabels.contains(p.domainDashed) {
                    return (p, "subdomain: \(addr.asciiDomain) carries \"\(p.label)\" as a subdomain")
                }
            }
            if p.labelCount >= 10, EditDistance.damerauLevenshtein(labelScalars, p.labelScalars, limit: 2) <= 2 {
                return (p, "two edits: \"\(label)\" ~ \"\(p.label)\"")
            }
        }
        return nil
    }

    /// dnstwist families for one edit between candidate `a` and protected `b`.
    func editFamily(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> String? {
        guard b.count >= 4, EditDistance.damerauLevenshtein(a, b, limit: 1) == 1 else { return nil }
        let sa = String(String.UnicodeScalarView(a)), sb = String(String.UnicodeScalarView(b))
        if a.count == b.count + 1 {
            let i = b.indices.first { a[$0] != b[$0] } ?? b.count
            if (i > 0 && a[i] == a[i - 1]) || (i + 1 < a.count && a[i] == a[i + 1]) { return "repetition: \"\(sa)\" doubles a letter of \"\(sb)\"" }
            return "addition: \"\(sa)\" adds \"\(a[i])\" to \"\(sb)\""
        }
        if a.count + 1 == b.count { return "omission: \"\(sa)\" drops a letter of \"\(sb)\"" }
        let diffs = a.indices.filter { a[$0] != b[$0] }
        if diffs.count == 2 { return "transposition: \"\(sa)\" swaps letters of \"\(sb)\"" }
        guard let i = diffs.first else { return nil }
        let x = a[i], y = b[i]
        if Self.vowels.contains(x) && Self.vowels.contains(y) { return "vowel-swap: \"\(x)\" for \"\(y)\" in \"\(sb)\"" }
        if x.isASCII && y.isASCII, (x.value ^ y.value).nonzeroBitCount == 1 { return "bitsquatting: \"\(x)\" for \"\(y)\" in \"\(sb)\"" }
        if Self.adjacent(x, y) { return "replacement (keyboard-adjacent \"\(x)\" for \"\(y)\") in \"\(sb)\"" }
        return "replacement: \"\(x)\" for \"\(y)\" in \"\(sb)\""
    }

    static let vowels: Set<Unicode.Scalar> = ["a", "e", "i", "o", "u", "y"]
    static let rows = ["1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm"]

    static func adjacent(_ x: Unicode.Scalar, _ y: Unicode.Scalar) -> Bool {
        func pos(_ c: Unicode.Scalar) -> (Int, Int)? {
            for (r, row) in rows.enumerated() {
                if let i = Array(row.unicodeScalars).firstIndex(of: c) { return (r, i) }
            }
            return nil
        }
        guard let p = pos(x), let q = pos(y) else { return false }
        return abs(p.0 - q.0) <= 1 && abs(p.1 - q.1) <= 1
    }
}

extension String {
    func replacingOccurrences(_ a: Character, _ b: Character) -> String { String(map { $0 == a ? b : $0 }) }
    func replacingHyphens() -> String { String(unicodeScalars.filter { $0 != "-" && $0 != "." }.map(Character.init)) }
}
