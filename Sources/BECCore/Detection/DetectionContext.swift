/// What detectors read: the message, the policy, and facts derived once per message
/// (which Authentication-Results header is ours, whether the mail is internal, domains).
public struct DetectionContext: Sendable {
    public let message: Message
    public let policy: Policy
    public let services: any UnicodeServices
    /// The topmost Authentication-Results header stamped with our authserv-id, the only one trusted.
    public let trustedAuth: AuthenticationResults?
    /// Headers claiming our authserv-id below the topmost one: they came from outside.
    public let forgedAuthCount: Int
    /// Mail from authenticated submission or an internal network.
    public let isInternal: Bool
    /// Sender history looked up by the adapter, nil when none was consulted.
    public let history: HistoryFacts?

    public init(message: Message, policy: Policy, services: any UnicodeServices, history: HistoryFacts? = nil) {
        self.message = message
        self.policy = policy
        self.services = services
        self.history = history
        let ours = policy.organization.authservID
        let mine = ours.isEmpty ? [] : message.authenticationResults.filter { $0.authservID == ours }
        // Why only the topmost: our MTA prepends its header; anything with our id further down was
        // written by the sender to forge a pass (RFC 8601 §5).
        if let top = mine.first, top.headerIndex == message.authenticationResults.first?.headerIndex {
            trustedAuth = top
            forgedAuthCount = mine.count - 1
        } else {
            trustedAuth = nil
            forgedAuthCount = mine.count
        }
        let env = message.envelope
        // Our submission service (SASL, or the daemon Postfix names ORIGINATING) is internal mail:
        // the same predicate decides what teaches sender history.
        var isInt = SenderHistoryPlan.isOutbound(message, policy: policy.history)
        if let ip = env.clientAddress, policy.organization.internalNetworks.contains(where: { $0.contains(ip) }) { isInt = true }
        isInternal = isInt
    }

    /// The registrable domain per the Public Suffix List.
    public func registrable(_ domain: String) -> String { policy.publicSuffixes.registrableDomain(domain) }

    public func isOwnDomain(_ domain: String) -> Bool {
        let d = domain.lowercased()
        return policy.organization.domains.contains { d == $0 || d.hasSuffix("." + $0) }
    }

    public func vendor(for domain: String) -> Vendor? {
        policy.vendors.first { $0.owns(domain) }
    }

    public func isFreemail(_ domain: String) -> Bool {
        let d = domain.lowercased()
        return policy.freemailDomains.contains(d) || policy.freemailDomains.contains(registrable(d))
    }

    /// A trusted DMARC pass for `domain`'s header.from, or an aligned trusted DKIM pass
    /// (relaxed alignment: same registrable domain).
    public func alignedPass(_ domain: String) -> Bool {
        guard let auth = trustedAuth else { return false }
        let reg = registrable(domain)
        for r in auth.results where r.result == "pass" {
            if r.method == "dmarc", let hf = r.properties["header.from"], registrable(hf) == reg { return true }
            if r.method == "dkim", let d = r.properties["header.d"] ?? r.properties["header.i"].map({ String($0.drop { $0 != "@" }.dropFirst()) }),
               registrable(d) == reg { return true }
        }
        return false
    }

    /// The trusted DMARC result for the From domain ("pass", "fail", "none", ...), if stated.
    public func dmarcResult() -> String? {
        trustedAuth?.results(for: "dmarc").first?.result
    }

    /// The From mailbox used for decisions (the first one).
    public var from: MailAddress? { message.fromAddress }
}
