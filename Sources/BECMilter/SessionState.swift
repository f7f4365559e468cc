import BECCore

/// The state of one milter connection, free of libmilter and I/O: the callbacks feed it, and at
/// end of message it hands back a `CollectedMessage`. It accepts callbacks in any order libmilter
/// may produce (a message without a connect, headers without MAIL FROM, an abort at any point).
public struct SessionState: Sendable {
    public private(set) var connection = ConnectionFacts()
    /// The message being collected, nil between messages.
    public private(set) var message: MessageInProgress?
    /// Messages finished or aborted on this connection.
    public private(set) var messagesSeen = 0

    /// Name prefix of the headers bec-milter writes; any that arrive from outside are removed.
    public static let ownHeaderPrefix = "x-bec-"

    public init() {}

    /// The connect stage. `address` is nil when libmilter passed a NULL socket address.
    public mutating func connect(hostName: String?, address: String?, macros: ConnectMacros) {
        connection = ConnectionFacts(
            clientAddress: ConnectionFacts.normalizedAddress(address) ?? ConnectionFacts.normalizedAddress(macros.clientAddress),
            clientName: ConnectionFacts.normalizedName(macros.clientName) ?? ConnectionFacts.normalizedName(hostName),
            helo: connection.helo, daemonName: macros.daemonName, mtaHostName: macros.mtaHostName)
        message = nil
    }

    public mutating func helo(_ name: String) { connection.helo = name }

    /// Fills connection facts the connect stage did not deliver (a macro sent only later).
    public mutating func supplement(clientAddress: String?) {
        if connection.clientAddress == nil { connection.clientAddress = ConnectionFacts.normalizedAddress(clientAddress) }
    }

    /// MAIL FROM: starts a new message under `configuration`, dropping any unfinished one.
    public mutating func mailFrom(_ address: String, authenticatedUser: String?, queueID: String?, configuration: MilterConfiguration) {
        message = MessageInProgress(configuration: configuration)
        message?.mailFrom = Self.unbracketed(address)
        message?.authenticatedUser = authenticatedUser.flatMap { $0.isEmpty ? nil : $0 }
        message?.queueID = queueID
    }

    /// RCPT TO. Like the header and body steps, ignored when no message was started or adopted.
    public mutating func recipient(_ address: String, queueID: String?) {
        message?.recipients.append(Self.unbracketed(address))
        if let q = queueID { message?.queueID = q }
    }

    /// One header field, value as libmilter delivers it (without the leading space).
    public mutating func header(name: String, value: String) {
        message?.addHeader(name: name, value: value)
    }

    public mutating func endOfHeaders() {
        message?.endHeaders()
    }

    public mutating func body(_ chunk: UnsafeRawBufferPointer) {
        message?.appendBody(chunk)
    }

    /// End of message: returns what was collected and clears the message state. Nil when no
    /// message was in progress (an end of message without MAIL FROM, headers or body).
    public mutating func endOfMessage(queueID: String?) -> CollectedMessage? {
        guard var m = message else { return nil }
        message = nil
        messagesSeen += 1
        if let q = queueID { m.queueID = q }
        return m.collected(connection: connection)
    }

    /// The MTA aborted the message (RSET, client gone, another milter rejected it). Returns
    /// whether a message was in progress.
    @discardableResult
    public mutating func abort() -> Bool {
        defer { message = nil }
        if message != nil { messagesSeen += 1 }
        return message != nil
    }

    /// Starts a message that arrived without MAIL FROM (the MTA skipped it or libmilter lost it),
    /// so its headers and body are still collected and scanned.
    public mutating func adopt(_ configuration: MilterConfiguration) {
        if message == nil { message = MessageInProgress(configuration: configuration) }
    }

    /// "<a@b>" → "a@b"; "<>" → "" (the null sender).
    static func unbracketed(_ s: String) -> String {
        var a = s.trimmingWhitespace
        if a.hasPrefix("<") { a.removeFirst() }
        if a.hasSuffix(">") { a.removeLast() }
        return a
    }
}

/// Macros Postfix sends with the connect stage (see deploy/postfix/main.cf.snippet).
public struct ConnectMacros: Sendable, Equatable {
    public var clientAddress: String?
    public var clientName: String?
    public var daemonName: String?
    public var mtaHostName: String?

    public init(clientAddress: String? = nil, clientName: String? = nil, daemonName: String? = nil, mtaHostName: String? = nil) {
        self.clientAddress = clientAddress
        self.clientName = clientName
        self.daemonName = daemonName
        self.mtaHostName = mtaHostName
    }
}
