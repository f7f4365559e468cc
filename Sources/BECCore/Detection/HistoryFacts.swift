/// What sender history knows about one message, looked up by an adapter (milter, `check`)
/// before evaluation, so the core stays pure. Learning happens in the adapter too.
public struct HistoryFacts: Sendable, Codable, Equatable {
    /// False when the history store could not be asked: the history detectors are skipped and
    /// the verdict says so.
    public var available: Bool
    /// The From address has corresponded with the organization before (we wrote to it, or it
    /// wrote to us with an aligned pass).
    public var senderKnown: Bool
    /// Some address at the From domain has corresponded with the organization before.
    public var senderDomainKnown: Bool
    /// At least one recipient of this message has corresponded with the sender before.
    public var senderKnownToRecipient: Bool
    /// Addresses the From display name's skeleton has been bound to (from authenticated mail),
    /// other than the current From address.
    public var displayNameBoundTo: [String]
    /// Reply-To addresses never seen for this (known) sender.
    public var newReplyTo: [String]
    /// In-Reply-To / References ids that this MTA never saw in either direction.
    public var unseenThreadIDs: [String]
    /// How many thread ids the message referenced in all.
    public var threadIDsReferenced: Int

    public init(available: Bool = true, senderKnown: Bool = false, senderDomainKnown: Bool = false, senderKnownToRecipient: Bool = false,
                displayNameBoundTo: [String] = [], newReplyTo: [String] = [], unseenThreadIDs: [String] = [], threadIDsReferenced: Int = 0) {
        self.available = available
        self.senderKnown = senderKnown
        self.senderDomainKnown = senderDomainKnown
        self.senderKnownToRecipient = senderKnownToRecipient
        self.displayNameBoundTo = displayNameBoundTo
        self.newReplyTo = newReplyTo
        self.unseenThreadIDs = unseenThreadIDs
        self.threadIDsReferenced = threadIDsReferenced
    }

    /// The store was down.
    public static let unavailable = HistoryFacts(available: false)
}
