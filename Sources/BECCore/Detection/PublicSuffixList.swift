/// The Public Suffix List (publicsuffix.org) as data: finds the registrable domain
/// (public suffix plus one label). Parsed from the list's text by the caller.
public struct PublicSuffixList: Sendable {
    private var rules: Set<String> = []
    private var wildcards: Set<String> = []
    private var exceptions: Set<String> = []

    public init() {}

    /// Parses the list's text format: one rule per line, `//` comments, `*.` wildcards, `!` exceptions.
    public init(text: String) {
        for lineSub in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = lineSub.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
            if line.isEmpty || line.hasPrefix("//") { continue }
            let rule = line.lowercased()
            if rule.hasPrefix("!") { exceptions.insert(String(rule.dropFirst())) } else if rule.hasPrefix("*.") { wildcards.insert(String(rule.dropFirst(2))) } else { rules.insert(rule) }
        }
    }

    public var isEmpty: Bool { rules.isEmpty }

    /// The registrable domain of `domain` ("mail.example.co.uk" -> "example.co.uk"). Without a
    /// list, or for unknown TLDs, the last two labels.
    public func registrableDomain(_ domain: String) -> String {
        let d = domain.lowercased().trimmingCharacters(in: ".")
        let labels = d.split(separator: ".").map(String.init)
        guard labels.count >= 2 else { return d }
        // Find the longest matching public suffix.
        var suffixLen = 1
        for i in 0..<labels.count {
            let candidate = labels[i...].joined(separator: ".")
            if exceptions.contains(candidate) { suffixLen = labels.count - i - 1; break }
            if rules.contains(candidate) { suffixLen = labels.count - i; break }
            if i + 1 < labels.count, wildcards.contains(labels[(i + 1)...].joined(separator: ".")) { suffixLen = labels.count - i; break }
        }
        if suffixLen >= labels.count { return d }
        return labels[(labels.count - suffixLen - 1)...].joined(separator: ".")
    }

    /// The public suffix part of `domain` ("example.co.uk" -> "co.uk").
    public func suffix(of domain: String) -> String {
        let reg = registrableDomain(domain)
        guard let dot = reg.firstIndex(of: ".") else { return "" }
        return String(reg[reg.index(after: dot)...])
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
