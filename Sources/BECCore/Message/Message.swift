/// A parsed message: what every detector reads. Built by `MessageParser`; never fails.
public struct Message: Sendable {
    /// Top-level header section in arrival order.
    public var headers: HeaderSection
    /// All mailboxes of all From fields (normally exactly one).
    public var from: [MailAddress]
    public var sender: MailAddress?
    public var replyTo: [MailAddress]
    public var to: [MailAddress]
    public var cc: [MailAddress]
    /// The Return-Path header's address (as stamped by the receiving MTA), if any; "" local part for `<>`.
    public var returnPath: MailAddress?
    public var subject: String
    public var messageID: String?
    public var inReplyTo: [String]
    public var references: [String]
    /// The MIME tree.
    public var root: MIMEPart
    /// Decoded visible text of the message's own text parts (plain, or HTML turned to text), bounded by `Limits.maxTextBytes`.
    public var text: String
    /// Text that HTML hid from the reader (display:none, zero font size, ...).
    public var hiddenText: String
    public var attachments: [Attachment]
    /// Every Authentication-Results header, top first. Trust is decided by detectors, not here.
    public var authenticationResults: [AuthenticationResults]
    public var defects: [Defect]
    public var envelope: Envelope
    /// Size in bytes of the raw message as parsed.
    public var size: Int

    /// The single From mailbox when there is exactly one.
    public var fromAddress: MailAddress? { from.count == 1 ? from[0] : from.first }

    public func hasDefect(_ code: Defect.Code) -> Bool { defects.contains { $0.code == code } }
}

/// A part of the MIME tree.
public struct MIMEPart: Sendable {
    public var headers: HeaderSection
    public var contentType: ContentType
    public var transferEncoding: String
    public var disposition: String?
    public var filename: String?
    /// Encoded size of the body in bytes.
    public var encodedSize: Int
    /// Decoded size in bytes (estimated for parts that were not decoded).
    public var decodedSize: Int
    public var children: [MIMEPart]
    /// Path such as "1.2" (root is "").
    public var path: String
    /// True for a part inside an embedded message/rfc822.
    public var embedded: Bool

    public init(headers: HeaderSection = HeaderSection(), contentType: ContentType = .textPlain, transferEncoding: String = "7bit",
                disposition: String? = nil, filename: String? = nil, encodedSize: Int = 0, decodedSize: Int = 0,
                children: [MIMEPart] = [], path: String = "", embedded: Bool = false) {
        self.headers = headers
        self.contentType = contentType
        self.transferEncoding = transferEncoding
        self.disposition = disposition
        self.filename = filename
        self.encodedSize = encodedSize
        self.decodedSize = decodedSize
        self.children = children
        self.path = path
        self.embedded = embedded
    }

    /// Calls `body` for this part and every descendant, depth first.
    public func forEach(_ body: (MIMEPart) -> Void) {
        body(self)
        for child in children { child.forEach(body) }
    }
}

/// An attachment as listed: never its content.
public struct Attachment: Sendable, Codable, Hashable {
    public var filename: String
    public var contentType: String
    public var size: Int
    public var path: String
}

/// A parsed Content-Type: lowercased type/subtype and parameters (RFC 2045, RFC 2231 decoded).
public struct ContentType: Sendable, Hashable {
    public var type: String
    public var subtype: String
    public var parameters: [String: String]

    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    public static let textPlain = ContentType(type: "text", subtype: "plain")
    public var mimeType: String { "\(type)/\(subtype)" }
    public var isMultipart: Bool { type == "multipart" }
    public var charset: String? { parameters["charset"] }
}

/// One Authentication-Results header (RFC 8601).
public struct AuthenticationResults: Sendable, Codable, Hashable {
    /// The authserv-id, lowercased.
    public var authservID: String
    public var results: [AuthResult]
    /// Index of the header among all headers of the message (0 = topmost).
    public var headerIndex: Int

    public init(authservID: String, results: [AuthResult], headerIndex: Int) {
        self.authservID = authservID
        self.results = results
        self.headerIndex = headerIndex
    }

    /// Results of a method ("spf", "dkim", "dmarc", ...).
    public func results(for method: String) -> [AuthResult] { results.filter { $0.method == method } }
}

/// One method result inside Authentication-Results: `dkim=pass header.d=example.com`.
public struct AuthResult: Sendable, Codable, Hashable {
    public var method: String
    public var result: String
    /// Properties such as "header.d", "header.from", "smtp.mailfrom", lowercased keys.
    public var properties: [String: String]

    public init(method: String, result: String, properties: [String: String] = [:]) {
        self.method = method
        self.result = result
        self.properties = properties
    }
}
