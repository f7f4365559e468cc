import BECCore

/// One message being collected: envelope so far, the accumulator (bounded by
/// `limits.max_message_bytes`), and the header facts the actions need later.
public struct MessageInProgress: Sendable {
    public let configuration: MilterConfiguration
    public var mailFrom: String?
    public var recipients: [String] = []
    public var authenticatedUser: String?
    public var queueID: String?
    public private(set) var accumulator: MessageAccumulator
    /// Offset of the body once the header section ended.
    public private(set) var bodyOffset: Int?
    public private(set) var receivedBytes = 0
    /// Inbound X-BEC-* fields: lowercased name → (name as first seen, count).
    private var inbound: [String: (name: String, count: Int)] = [:]
    private var inboundOrder: [String] = []
    public private(set) var subject: String?
    public private(set) var contentType: String?
    public private(set) var transferEncoding: String?

    public init(configuration: MilterConfiguration) {
        self.configuration = configuration
        accumulator = MessageAccumulator(maxBytes: configuration.maxMessageBytes)
    }

    mutating func addHeader(name: String, value: String) {
        receivedBytes += name.utf8.count + value.utf8.count + 4
        let key = name.lowercased()
        // Why: a verdict header written by a sender (or an earlier hop) must never reach the
        // recipient as if we had written it; each one is counted here and deleted at EOM.
        if key.hasPrefix(SessionState.ownHeaderPrefix) {
            if inbound[key] == nil { inboundOrder.append(key) }
            inbound[key, default: (name, 0)].count += 1
        }
        switch key {
        case "subject" where subject == nil: subject = value
        case "content-type" where contentType == nil: contentType = value
        case "content-transfer-encoding" where transferEncoding == nil: transferEncoding = value
        default: break
        }
        accumulator.addHeader(name: name, value: value)
    }

    mutating func endHeaders() {
        guard bodyOffset == nil else { return }
        accumulator.endHeaders()
        bodyOffset = accumulator.bytes.count
        receivedBytes += 2
    }

    mutating func appendBody(_ chunk: UnsafeRawBufferPointer) {
        endHeaders()
        receivedBytes += chunk.count
        accumulator.appendBody(chunk)
    }

    func collected(connection: ConnectionFacts) -> CollectedMessage {
        var m = self
        m.endHeaders()
        let env = Envelope(mailFrom: mailFrom, recipients: recipients, clientAddress: connection.clientAddress,
                           clientName: connection.clientName, helo: connection.helo, authenticatedUser: authenticatedUser,
                           queueID: queueID, daemonName: connection.daemonName)
        return CollectedMessage(bytes: m.accumulator.bytes, bodyOffset: m.bodyOffset ?? m.accumulator.bytes.count,
                                truncated: m.accumulator.truncated, receivedBytes: m.receivedBytes, envelope: env,
                                inboundVerdictHeaders: inboundOrder.compactMap { inbound[$0] },
                                subject: subject, contentType: contentType, transferEncoding: transferEncoding,
                                configuration: configuration)
    }
}
