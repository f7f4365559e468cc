/// Protected-people impersonation: a display name (From, Sender, Reply-To) that matches a
/// protected person, or a vendor's known contact, while the address is not one of theirs.
public struct DisplayNameImpersonationDetector: Detector {
    public static let info = DetectorInfo(
        id: "display_name_impersonation",
        summary: "A display name matches a protected person or vendor contact, but the address is not theirs.",
        symbols: [
            SymbolInfo("IMPERSONATE_EXECUTIVE", group: "identity", "display name of a protected executive on an address that is not theirs"),
            SymbolInfo("IMPERSONATE_STAFF", group: "identity", "display name of a staff-directory person on an outside address"),
            SymbolInfo("IMPERSONATE_VENDOR_CONTACT", group: "identity", "a vendor contact's name on an address outside the vendor's domains"),
            SymbolInfo("IMPERSONATE_VIA_SERVICE", group: "identity", "a protected name decorated as a service notification (\"X via Service\", \"X (Service)\")"),
            SymbolInfo("IMPERSONATE_TITLE", group: "identity", "an executive title alone (\"CEO\", \"Office of the CFO\") as an outside display name"),
            SymbolInfo("IMPERSONATE_VENDOR_NAME", group: "identity", "a vendor's company name as the display name of an address outside its domains"),
            SymbolInfo("IMPERSONATE_ON_BEHALF", group: "service", "a protected name on another address whose Reply-To leads back to that person or vendor (sent on their behalf)"),
        ],
        triggering: [
            DetectorExample("From: Margaret Okafor <m.okafor.office@gmail.com>\nSubject: hi\n\nhello", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: \"Okafor, Margaret\" <x@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: Margret Okafor <x@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: Marg\u{200B}aret Okafor <x@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: Margaret Ok\u{0430}for <x@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: \u{FF2D}argaret Okafor <x@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: CEO Margaret Okafor | Calloway <x@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: \"margaret.okafor@callowayfreight.com\" <x@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: Tomas Echeverria <t@example.net>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: Office of the CEO <x@example.net>\n\nhi", fires: ["IMPERSONATE_TITLE"]),
            DetectorExample("From: Rosa Mendel <rosa@gmail.com>\n\nhi", fires: ["IMPERSONATE_VENDOR_CONTACT"]),
            DetectorExample("From: Kevin Doyle <kd@gmail.com>\n\nhi", fires: ["IMPERSONATE_STAFF"]),
            DetectorExample("From: x <x@example.net>\nReply-To: David Lindqvist <d@example.org>\n\nhi", fires: ["IMPERSONATE_EXECUTIVE"]),
            DetectorExample("From: Brightline Packaging Ltd <messaging@invoices.example>\nReply-To: billing@brightlinepackaging.com\n\nhi", fires: ["IMPERSONATE_ON_BEHALF"]),
        ],
        nonTriggering: [
            DetectorExample("From: Margaret Okafor <margaret.okafor@callowayfreight.com>\n\nhi"),
            DetectorExample("From: Margaret Hughes <m.hughes@example.co.uk>\n\nhi"),
            DetectorExample("From: Chidi Okafor <chidi@icloud.com>\n\nhi"),
            DetectorExample("From: Helen Park <hp@example.co.uk>\n\nhi"),
            DetectorExample("From: Margaret from Acme <news@acme.example>\n\nhi"),
            DetectorExample("From: Rosa Mendel <billing@brightlinepackaging.com>\n\nhi"),
            DetectorExample("From: \u{0395}\u{03BB}\u{03AD}\u{03BD}\u{03B7} \u{03A0}\u{03B1}\u{03C0}\u{03B1}\u{03B4}\u{03BF}\u{03C0}\u{03BF}\u{03CD}\u{03BB}\u{03BF}\u{03C5} <e@example.gr>\n\nhi"),
        ])

    let matcher: NameMatcher
    let titles: [[String]]
    let vendorNames: [(Vendor, [String])]
    let services: any UnicodeServices

    public init(policy: Policy, services: any UnicodeServices) {
        self.services = services
        let contacts = policy.vendors.flatMap { v in v.contacts.map { ($0, v) } }
        matcher = NameMatcher(people: policy.people, vendorContacts: contacts, services: services)
        var t: [[String]] = []
        for p in policy.people where p.executive && !p.title.isEmpty {
            let words = TextNormalizer.words(p.title, services: services)
            t.append(words)
            if words.first == "chief", words.count >= 3 { t.append([String(words.map { $0.prefix(1) }.joined())]) }
        }
        titles = t
        vendorNames = policy.vendors.map { ($0, TextNormalizer.words($0.name, services: services).filter { !Self.companyWords.contains($0) }) }
    }

    static let companyWords: Set<String> = ["ltd", "llp", "gmbh", "inc", "llc", "plc", "sa", "bv", "ag", "co", "limited", "the"]
    static let serviceMarkers: Set<String> = ["via"]

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        let m = ctx.message
        var out: [Finding] = []
        var roles: [(String, MailAddress)] = m.from.map { ("From", $0) }
        if let s = m.sender { roles.append(("Sender", s)) }
        roles += m.replyTo.map { ("Reply-To", $0) }
        for (role, addr) in roles.prefix(8) where !addr.displayName.isEmpty {
            if let f = personFinding(role, addr, ctx) { out.append(f); continue }
            if let f = titleFinding(role, addr, ctx) { out.append(f) }
            if let f = vendorNameFinding(role, addr, ctx) { out.append(f) }
        }
        return out
    }

    func legitimate(_ addr: MailAddress, for entry: NameMatcher.Entry, _ ctx: DetectionContext) -> Bool {
        if entry.person.addresses.contains(addr.normalized) { return true }
        // Our own domains, authenticated: colleagues' other mailboxes and systems.
        if ctx.isOwnDomain(addr.asciiDomain) && (ctx.isInternal || ctx.alignedPass(addr.asciiDomain)) { return true }
        if let v = entry.vendor, v.owns(addr.asciiDomain) { return true }
        return false
    }

    func personFinding(_ role: String, _ addr: MailAddress, _ ctx: DetectionContext) -> Finding? {
        guard let match = matcher.match(addr.displayName) else { return nil }
        if legitimate(addr, for: match.entry, ctx) { return nil }
        let who = match.entry.person.title.isEmpty ? match.entry.person.name : "\(match.entry.person.name) (\(match.entry.person.title))"
        var ev = "\(role) display name \"\(addr.displayName)\" matches \(who)"
        if match.entry.variant != match.entry.person.name { ev += " via alias \"\(match.entry.variant)\"" }
        if !match.via.isEmpty { ev += " after " + match.via.joined(separator: "; ") }
        ev += "; address \(addr.address) is not theirs"
        let isService = match.extras.contains(where: Self.serviceMarkers.contains) || addr.displayName.hasSuffix(")")
        if isService && ctx.alignedPass(addr.asciiDomain) && !ctx.isFreemail(addr.asciiDomain) && match.via.isEmpty {
            return Finding("IMPERSONATE_VIA_SERVICE", ev + " (service-style decoration)")
        }
        // Why: replies going back to the real person or vendor defeat the usual BEC aim, so this is
        // a sending platform acting on their behalf (DocuSign, invoicing services), not a lure.
        if role == "From", match.via.isEmpty, let rt = ctx.message.replyTo.first(where: { legitimate($0, for: match.entry, ctx) || match.entry.person.addresses.contains($0.normalized) }) {
            return Finding("IMPERSONATE_ON_BEHALF", ev + "; Reply-To \(rt.address) is theirs")
        }
        if match.entry.vendor != nil { return Finding("IMPERSONATE_VENDOR_CONTACT", ev) }
        return Finding(match.entry.person.executive ? "IMPERSONATE_EXECUTIVE" : "IMPERSONATE_STAFF", ev,
                       strength: role == "From" ? 1 : 0.8)
    }

    func titleFinding(_ role: String, _ addr: MailAddress, _ ctx: DetectionContext) -> Finding? {
        if ctx.isOwnDomain(addr.asciiDomain) && (ctx.isInternal || ctx.alignedPass(addr.asciiDomain)) { return nil }
        let words = TextNormalizer.words(addr.displayName, services: services)
        guard words.count <= 6 else { return nil }
        for t in titles where !t.isEmpty && Self.containsRun(words, t) {
            return Finding("IMPERSONATE_TITLE", "\(role) display name \"\(addr.displayName)\" is the executive title \"\(t.joined(separator: " "))\" on outside address \(addr.address)")
        }
        return nil
    }

    func vendorNameFinding(_ role: String, _ addr: MailAddress, _ ctx: DetectionContext) -> Finding? {
        let words = TextNormalizer.words(addr.displayName, services: services)
        for (v, name) in vendorNames where !name.isEmpty && Self.containsRun(words, name) {
            if v.owns(addr.asciiDomain) { return nil }
            if role == "From", let rt = ctx.message.replyTo.first(where: { v.owns($0.asciiDomain) }) {
                return Finding("IMPERSONATE_ON_BEHALF", "\(role) display name \"\(addr.displayName)\" names vendor \(v.name) on \(addr.address); Reply-To \(rt.address) is the vendor's")
            }
            return Finding("IMPERSONATE_VENDOR_NAME", "\(role) display name \"\(addr.displayName)\" names vendor \(v.name) but \(addr.address) is outside \(v.domains.joined(separator: ", "))")
        }
        return nil
    }

    static func containsRun(_ words: [String], _ run: [String]) -> Bool {
        guard run.count <= words.count else { return false }
        for i in 0...(words.count - run.count) where Array(words[i..<(i + run.count)]) == run { return true }
        return false
    }
}
