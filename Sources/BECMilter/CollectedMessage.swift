import BECCore

/// A message as the milter collected it, handed over once at end of message: the raw bytes the
/// parser reads, the envelope, and the few header facts the actions need.
public struct CollectedMessage: Sendable {
    /// Header section, blank line, body: what `bec-milter check` would read from a file.
    public var bytes: [UInt8]
    /// Offset of the body in `bytes` (after the blank line).
    public var bodyOffset: Int
    /// True when the message was longer than `limits.max_message_bytes` and only a prefix was kept.
    public var truncated: Bool
    /// Bytes the MTA sent, including what did not fit.
    public var receivedBytes: Int
    public var envelope: Envelope
    /// X-BEC-* header fields that arrived with the message: name as first seen, and how many.
    public var inboundVerdictHeaders: [(name: String, count: Int)]
    /// The first Subject field's value as received, nil when the message has none.
    public var subject: String?
    /// Top-level Content-Type and Content-Transfer-Encoding values (for the banner).
    public var contentType: String?
    public var transferEncoding: String?
    /// The configuration generation the message was collected under.
    public var configuration: MilterConfiguration

    /// The body bytes (empty when the message was cut inside its header section).
    public var body: ArraySlice<UInt8> { bytes[min(bodyOffset, bytes.count)...] }
}
