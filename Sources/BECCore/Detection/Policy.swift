/// Everything a site configures, as validated data: who and what we protect, lexicons,
/// scoring, allowlists, limits. Built by BECRules from YAML; the core only reads it.
public struct Policy: Sendable {
    public var organization: Organization
    /// Protected people: executives and others whose names attackers borrow.
    public var people: [ProtectedPerson]
    public var vendors: [Vendor]
    public var freemailDomains: Set<String>
    public var lexicon: Lexicon
    public var scoring: ScoringRules
    public var allowlist: Allowlist
    public var recipientGroups: [RecipientGroup]
    public var limits: Limits
    public var publicSuffixes: PublicSuffixList
    /// What to do with mail from authenticated submission or internal networks.
    public var internalMail: InternalMailMode
    /// Sender history: what counts as outbound submission, which names are generic.
    public var history: HistoryPolicy

    public init(organization: Organization = Organization(), people: [ProtectedPerson] = [], vendors: [Vendor] = [],
                freemailDomains: Set<String> = [], lexicon: Lexicon = Lexicon(), scoring: ScoringRules = ScoringRules(),
                allowlist: Allowlist = Allowlist(), recipientGroups: [RecipientGroup] = [], limits: Limits = Limits(),
                publicSuffixes: PublicSuffixList = PublicSuffixList(), internalMail: InternalMailMode = .score,
                history: HistoryPolicy = HistoryPolicy()) {
        self.organization = organization
        self.people = people
        self.vendors = vendors
        self.freemailDomains = freemailDomains
        self.lexicon = lexicon
        self.scoring = scoring
        self.allowlist = allowlist
        self.recipientGroups = recipientGroups
        self.limits = limits
        self.publicSuffixes = publicSuffixes
        self.internalMail = internalMail
        self.history = history
    }
}

public enum InternalMailMode: String, Sendable, Codable, CaseIterable {
    /// Accept internal mail without scanning (still tagged with an accept verdict); it teaches
    /// sender history nothing.
    case skip
    /// Scan internal mail like any other; it teaches sender history nothing.
    case score
    /// Scan internal mail like any other, and let outbound submission teach sender history
    /// (who our people write to, their names' addresses, the thread ledger). The default.
    case learn
}

public struct Organization: Sendable {
    public var name: String
    /// Our own domains (registrable or exact).
    public var domains: [String]
    /// The authserv-id our own MTA stamps in Authentication-Results; only that header is trusted.
    public var authservID: String
    /// Client networks whose mail counts as internal.
    public var internalNetworks: [CIDR]

    public init(name: String = "", domains: [String] = [], authservID: String = "", internalNetworks: [CIDR] = []) {
        self.name = name
        self.domains = domains.map { $0.lowercased() }
        self.authservID = authservID.lowercased()
        self.internalNetworks = internalNetworks
    }
}

public struct ProtectedPerson: Sendable {
    public var name: String
    public var aliases: [String]
    public var title: String
    /// Addresses the person really writes from (lowercased).
    public var addresses: Set<String>
    /// Executives weigh more than the rest of the staff directory.
    public var executive: Bool

    public init(name: String, aliases: [String] = [], title: String = "", addresses: [String] = [], executive: Bool = true) {
        self.name = name
        self.aliases = aliases
        self.title = title
        self.addresses = Set(addresses.map { $0.lowercased() })
        self.executive = executive
    }
}

public struct Vendor: Sendable {
    public var name: String
    public var domains: [String]
    /// Known people at the vendor; their names on other domains are impersonation.
    public var contacts: [ProtectedPerson]

    public init(name: String, domains: [String], contacts: [ProtectedPerson] = []) {
        self.name = name
        self.domains = domains.map { $0.lowercased() }
        self.contacts = contacts
    }

    /// Whether `domain` is one of the vendor's domains or a subdomain of one.
    public func owns(_ domain: String) -> Bool {
        let d = domain.lowercased()
        return domains.contains { d == $0 || d.hasSuffix("." + $0) }
    }
}

/// Phrase families by language; each family's id is the finding symbol it raises.
public struct Lexicon: Sendable {
    public var families: [LexiconFamily]
    public init(families: [LexiconFamily] = []) { self.families = families }
}

public struct LexiconFamily: Sendable {
    /// Finding symbol, e.g. LANG_GIFT_CARD.
    public var symbol: String
    public var language: String
    public var phrases: [String]

    public init(symbol: String, language: String, phrases: [String]) {
        self.symbol = symbol
        self.language = language
        self.phrases = phrases
    }
}

public struct Allowlist: Sendable {
    /// Exact sender addresses (From) that are never scored above accept when authenticated.
    public var senders: Set<String>
    /// From domains allowlisted when the trusted DMARC result for them passes.
    public var domains: Set<String>
    /// DKIM signing domains (header.d) whose aligned pass allowlists the message.
    public var dkimSigners: Set<String>

    public init(senders: Set<String> = [], domains: Set<String> = [], dkimSigners: Set<String> = []) {
        self.senders = senders
        self.domains = domains
        self.dkimSigners = dkimSigners
    }
}

/// A set of recipients with their own thresholds (stricter for finance, HR, assistants).
public struct RecipientGroup: Sendable {
    public var name: String
    public var addresses: Set<String>
    public var thresholds: Thresholds

    public init(name: String, addresses: Set<String>, thresholds: Thresholds) {
        self.name = name
        self.addresses = addresses
        self.thresholds = thresholds
    }
}
