/// A mailbox: optional display name plus addr-spec, with the domain in both IDNA forms.
public struct MailAddress: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The display name decoded (RFC 2047, quotes and escapes removed), or "" when none.
    public var displayName: String
    /// The local part as written (quotes removed).
    public var localPart: String
    /// The domain lowercased, in Unicode form when it was IDN (xn-- converted), else as written.
    public var domain: String
    /// The domain in ASCII (punycode) form; equals `domain` for plain ASCII domains.
    public var asciiDomain: String
    /// The group this mailbox was listed under, if any.
    public var group: String?

    public init(displayName: String = "", localPart: String, domain: String, asciiDomain: String? = nil, group: String? = nil) {
        self.displayName = displayName
        self.localPart = localPart
        self.domain = domain.lowercased()
        self.asciiDomain = (asciiDomain ?? domain).lowercased()
        self.group = group
    }

    /// `local@domain` with the domain in ASCII form, lowercased domain.
    public var address: String { domain.isEmpty ? localPart : "\(localPart)@\(asciiDomain)" }

    /// Case-folded address for comparisons (local part lowercased too: practical, though RFC says case-sensitive).
    public var normalized: String { address.lowercased() }

    public var description: String { displayName.isEmpty ? "<\(address)>" : "\"\(displayName)\" <\(address)>" }
}
