/// What the SMTP session told us about a message, when known: the envelope and connection
/// facts that libmilter macros carry. All optional: `check` may know none of it.
public struct Envelope: Sendable, Codable, Equatable {
    /// MAIL FROM address without angle brackets; "" for the null sender `<>`.
    public var mailFrom: String?
    /// RCPT TO addresses without angle brackets.
    public var recipients: [String]
    /// Client IP address (`{client_addr}`).
    public var clientAddress: String?
    /// Client host name (`{client_name}`).
    public var clientName: String?
    /// HELO/EHLO name.
    public var helo: String?
    /// SASL login name (`{auth_authen}`); present only for authenticated submission.
    public var authenticatedUser: String?
    /// Postfix queue id (`i`).
    public var queueID: String?
    /// Postfix daemon name (`{daemon_name}`).
    public var daemonName: String?

    public init(mailFrom: String? = nil, recipients: [String] = [], clientAddress: String? = nil,
                clientName: String? = nil, helo: String? = nil, authenticatedUser: String? = nil,
                queueID: String? = nil, daemonName: String? = nil) {
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.clientAddress = clientAddress
        self.clientName = clientName
        self.helo = helo
        self.authenticatedUser = authenticatedUser
        self.queueID = queueID
        self.daemonName = daemonName
    }
}
