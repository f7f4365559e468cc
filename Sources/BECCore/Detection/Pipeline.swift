/// Parse, detect, score: the whole decision for one message, pure and reentrant. One
/// `Pipeline` is built per rule set (detectors precompute their tables) and shared by all threads.
public struct Pipeline: Sendable {
    public let policy: Policy
    public let services: any UnicodeServices
    public let detectors: [any Detector]
    public let parser: MessageParser
    public let scorer: Scorer

    /// Every detector the product ships, in the order they run.
    public static let detectorTypes: [any Detector.Type] = [
        DisplayNameImpersonationDetector.self,
        ConfusablesDetector.self,
        LookalikeDomainDetector.self,
        AuthenticationDetector.self,
        HeaderRelationshipDetector.self,
        FreemailDetector.self,
        ThreadHijackDetector.self,
        PaymentLanguageDetector.self,
        BankDetailsDetector.self,
        MessageStructureDetector.self,
        SenderHistoryDetector.self,
    ]

    public init(policy: Policy, services: any UnicodeServices) {
        self.policy = policy
        self.services = services
        self.detectors = Self.detectorTypes.map { $0.init(policy: policy, services: services) }
        self.parser = MessageParser(limits: policy.limits, services: services)
        self.scorer = Scorer(rules: policy.scoring)
    }

    public func parse(_ bytes: [UInt8], envelope: Envelope = Envelope()) -> Message {
        parser.parse(bytes, envelope: envelope)
    }

    /// Runs every detector and the scorer. `history` is what the adapter looked up in the
    /// sender-history store for this message (nil: no history consulted).
    public func evaluate(_ message: Message, history: HistoryFacts? = nil) -> Verdict {
        let ctx = DetectionContext(message: message, policy: policy, services: services, history: history)
        var notes: [String] = []
        if ctx.isInternal && policy.internalMail == .skip {
            var v = scorer.score([])
            v.notes = ["internal mail: not scanned (internal_mail: skip)"]
            v.defects = message.defects
            return v
        }
        var findings: [Finding] = []
        for d in detectors {
            let id = type(of: d).info.id
            findings += d.detect(ctx).map { var f = $0; f.detector = id; return f }
        }
        if let note = allowlisted(ctx) {
            notes.append(note)
            findings = findings.filter { (policy.scoring.weights[$0.symbol] ?? 0) <= 0 }
        }
        let (group, thresholds) = recipientThresholds(message)
        var v = scorer.score(findings, thresholds: thresholds, recipientGroup: group)
        if ctx.isInternal { notes.append("internal mail") }
        if history?.available == false { notes.append("history store unavailable: history detectors skipped") }
        v.notes += notes
        v.defects = message.defects
        return v
    }

    public func evaluate(_ bytes: [UInt8], envelope: Envelope = Envelope()) -> (Message, Verdict) {
        let m = parse(bytes, envelope: envelope)
        return (m, evaluate(m))
    }

    /// Allowlists apply only with authentication we trust: an allowlisted From that fails
    /// alignment is exactly what a spoofer would send.
    func allowlisted(_ ctx: DetectionContext) -> String? {
        guard let from = ctx.from, !from.domain.isEmpty else { return nil }
        let al = policy.allowlist
        if al.senders.contains(from.normalized), ctx.alignedPass(from.asciiDomain) { return "allowlisted sender \(from.normalized)" }
        if al.domains.contains(ctx.registrable(from.asciiDomain)), ctx.alignedPass(from.asciiDomain) { return "allowlisted domain" }
        if let auth = ctx.trustedAuth {
            for r in auth.results(for: "dkim") where r.result == "pass" {
                if let d = r.properties["header.d"], al.dkimSigners.contains(d),
                   ctx.registrable(d) == ctx.registrable(from.asciiDomain) { return "allowlisted DKIM signer \(d)" }
            }
        }
        return nil
    }

    /// The strictest recipient group any recipient belongs to.
    func recipientThresholds(_ m: Message) -> (String?, Thresholds?) {
        let rcpts = m.envelope.recipients.isEmpty ? (m.to + m.cc).map(\.normalized) : m.envelope.recipients.map { $0.lowercased() }
        var chosen: RecipientGroup? = nil
        for g in policy.recipientGroups where rcpts.contains(where: g.addresses.contains) {
            if chosen == nil || (g.thresholds.tag ?? .infinity) < (chosen?.thresholds.tag ?? .infinity) { chosen = g }
        }
        return (chosen?.name, chosen?.thresholds)
    }
}
