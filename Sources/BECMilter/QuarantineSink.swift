import BECCore
import Foundation

/// Where a quarantined message is recorded besides Postfix's hold queue: the quarantine store of
/// issue 5 plugs in here (SQLite or PostgreSQL behind the analyst UI). Called once per held
/// message, after the MTA was asked to hold it, on a libmilter worker thread.
public protocol QuarantineSink: Sendable {
    func store(_ record: QuarantineRecord) throws
}

/// What the store receives for one held message.
public struct QuarantineRecord: Sendable {
    /// Postfix queue id: `postsuper -H` releases the held copy by this id.
    public var queueID: String?
    public var receivedAt: Date
    public var envelope: Envelope
    public var verdict: Verdict
    /// The reason given to smfi_quarantine (what `postqueue -j` and the mail log show).
    public var reason: String
    /// The message as the milter collected it (a prefix when `truncated`).
    public var message: [UInt8]
    public var truncated: Bool
}

/// The default until the store exists: Postfix's hold queue is the quarantine.
public struct HoldQueueOnly: QuarantineSink {
    public init() {}
    public func store(_ record: QuarantineRecord) throws {}
}
