/// What the SMTP connection told the milter before any message: the connect callback's
/// arguments and the connect-stage macros. Every field may be missing (a NULL client address,
/// a macro Postfix was not configured to send).
public struct ConnectionFacts: Sendable, Equatable {
    /// Client IP address, from the connect callback's socket address or `{client_addr}`.
    public var clientAddress: String?
    /// Verified client host name (`{client_name}`), nil when unknown.
    public var clientName: String?
    public var helo: String?
    /// Postfix service name (`{daemon_name}`), e.g. "smtpd" or "submission".
    public var daemonName: String?
    /// The MTA's own host name (`j`).
    public var mtaHostName: String?

    public init(clientAddress: String? = nil, clientName: String? = nil, helo: String? = nil,
                daemonName: String? = nil, mtaHostName: String? = nil) {
        self.clientAddress = clientAddress
        self.clientName = clientName
        self.helo = helo
        self.daemonName = daemonName
        self.mtaHostName = mtaHostName
    }

    /// Normalizes an address as libmilter or Postfix spell it: "IPv6:2001:db8::1" and
    /// "[192.0.2.1]" become bare addresses; "unknown" and empty become nil.
    public static func normalizedAddress(_ s: String?) -> String? {
        guard var a = s?.trimmingWhitespace, !a.isEmpty, a.lowercased() != "unknown" else { return nil }
        if a.hasPrefix("[") && a.hasSuffix("]") { a = String(a.dropFirst().dropLast()) }
        if a.lowercased().hasPrefix("ipv6:") { a = String(a.dropFirst(5)) }
        return a.isEmpty ? nil : a
    }

    /// A host name as Postfix reports it: "unknown" or a bracketed address mean no verified name.
    public static func normalizedName(_ s: String?) -> String? {
        guard let n = s?.trimmingWhitespace, !n.isEmpty, n.lowercased() != "unknown", !n.hasPrefix("[") else { return nil }
        return n
    }
}

extension String {
    var trimmingWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" || l == "\n" { s = s.dropLast() }
        return String(s)
    }
}
