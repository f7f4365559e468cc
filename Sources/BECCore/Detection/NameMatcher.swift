/// Matches display names against protected people, surviving the tricks attackers use:
/// case and accents, "Last, First", middle initials, decorations ("CEO ...", "... | Company"),
/// nickname aliases, one-letter typos on longer tokens, confusables, fullwidth and mathematical
/// letters, invisible characters, and an address written as the display name.
public struct NameMatcher: Sendable {
    public struct Entry: Sendable {
        public var person: ProtectedPerson
        public var variant: String
        public var tokens: [String]
        public var vendor: Vendor?
    }

    public struct Match: Sendable {
        public var entry: Entry
        /// Normalizations the match needed, for the evidence ("confusable skeleton", "typo margret~margaret", ...).
        public var via: [String]
        /// Display-name words that are not part of the name (titles, company, "via", ...).
        public var extras: [String]
    }

    public let entries: [Entry]
    let services: any UnicodeServices

    public init(people: [ProtectedPerson], vendorContacts: [(ProtectedPerson, Vendor)], services: any UnicodeServices) {
        self.services = services
        var e: [Entry] = []
        for p in people {
            for v in [p.name] + p.aliases {
                let t = TextNormalizer.words(v, services: services)
                if t.count >= 2 { e.append(Entry(person: p, variant: v, tokens: t)) }
            }
        }
        for (p, vendor) in vendorContacts {
            let t = TextNormalizer.words(p.name, services: services)
            if t.count >= 2 { e.append(Entry(person: p, variant: p.name, tokens: t, vendor: vendor)) }
        }
        entries = e
    }

    /// The best match of `displayName`, if any.
    public func match(_ displayName: String) -> Match? {
        if displayName.isEmpty { return nil }
        var via: [String] = []
        let (visible, invisible) = TextNormalizer.stripInvisible(displayName)
        if !invisible.isEmpty { via.append("invisible characters removed (\(invisible.map(Self.codePoint).joined(separator: ", ")))") }
        // An address written in the display name counts by its owner.
        for addr in Self.embeddedAddresses(visible) {
            if let e = entries.first(where: { $0.person.addresses.contains(addr) }) {
                return Match(entry: e, via: via + ["display name contains their address \(addr)"], extras: [])
            }
        }
        let plain = Self.removingAddresses(visible)
        let words = TextNormalizer.words(plain, services: services)
        if words.isEmpty { return nil }
        let lowered = plain.lowercased()
        if TextNormalizer.fold(plain) != lowered.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil) {
            via.append("compatibility forms folded (fullwidth/mathematical letters)")
        }
        let rawWords = plain.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        if rawWords.contains(where: TextNormalizer.hasNonASCIILetter) && rawWords.contains(where: { w in w.unicodeScalars.contains { $0.isASCII && $0.properties.isAlphabetic } && TextNormalizer.hasNonASCIILetter(w) }) {
            if words.joined() != TextNormalizer.fold(plain).split(whereSeparator: { !$0.isLetter && !$0.isNumber }).joined() {
                via.append("confusable letters mapped to their skeleton")
            }
        }
        var best: Match? = nil
        for e in entries {
            guard let (extras, notes) = Self.tokenMatch(e.tokens, words) else { continue }
            let m = Match(entry: e, via: via + notes, extras: extras)
            if best == nil || m.extras.count < best!.extras.count || (e.vendor == nil && best!.entry.vendor != nil) { best = m }
        }
        if best == nil, words.count >= 1 {
            // Name run together, as in "MargaretOkafor".
            let joined = words.joined()
            if let e = entries.first(where: { $0.tokens.joined().count >= 8 && joined == $0.tokens.joined() }) {
                best = Match(entry: e, via: via + ["name run together"], extras: [])
            }
        }
        return best
    }

    /// Each name token must match a distinct display word exactly, or within one edit when
    /// both are 5+ letters; extra words are returned. Order is free ("Okafor, Margaret").
    static func tokenMatch(_ name: [String], _ words: [String]) -> ([String], [String])? {
        var used = [Bool](repeating: false, count: words.count)
        var notes: [String] = []
        for t in name {
            if let i = words.indices.first(where: { !used[$0] && words[$0] == t }) {
                used[i] = true
                continue
            }
            guard t.count >= 5,
                  let i = words.indices.first(where: { !used[$0] && words[$0].count >= 5 &&
                      EditDistance.damerauLevenshtein(words[$0], t, limit: 1) <= 1 }) else { return nil }
            used[i] = true
            notes.append("one-letter variant \(words[i])~\(t)")
        }
        if notes.count >= name.count { return nil } // at least one token must be exact
        let matchedOrder = words.indices.filter { used[$0] }
        if matchedOrder.first.map({ idx in idx > 0 && words[..<idx].count > 3 }) == true { return nil }
        if name.count >= 2, let first = matchedOrder.first, let last = matchedOrder.last, last - first >= name.count + 2 { return nil }
        if words.first.map({ name.contains($0) }) == false, let f = matchedOrder.first, words[f] != name[0] { notes.append("name order changed") }
        let extras = words.indices.filter { !used[$0] && words[$0].count > 1 }.map { words[$0] }
        return (extras, notes)
    }

    /// addr-specs written inside a display name, lowercased.
    public static func embeddedAddresses(_ s: String) -> [String] {
        var out: [String] = []
        for raw in s.split(whereSeparator: { " <>()[]\"',;:\t".contains($0) }) where raw.contains("@") {
            let parts = raw.split(separator: "@")
            if parts.count == 2, !parts[0].isEmpty, parts[1].contains(".") { out.append(raw.lowercased()) }
        }
        return out
    }

    static func removingAddresses(_ s: String) -> String {
        s.split(separator: " ").filter { !$0.contains("@") }.joined(separator: " ")
    }

    public static func codePoint(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        let padded = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return "U+\(padded)" + (s.properties.name.map { " \($0)" } ?? "")
    }
}
