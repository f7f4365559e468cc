/// A named defect found while parsing: malformed or suspicious structure that the parser
/// tolerated. Defects never abort parsing; detectors may weigh them.
public struct Defect: Sendable, Codable, Hashable, CustomStringConvertible {
    public var code: Code
    /// Where or what: a header name, a part path, a charset name. Never the raw attacker bytes unbounded.
    public var detail: String

    public init(_ code: Code, _ detail: String = "") {
        self.code = code
        self.detail = String(detail.prefix(200))
    }

    public var description: String { detail.isEmpty ? code.rawValue : "\(code.rawValue)(\(detail))" }

    /// Stable UPPER_SNAKE defect names.
    public enum Code: String, Sendable, Codable, CaseIterable {
        case MESSAGE_TRUNCATED
        case NO_HEADER_BODY_SEPARATOR
        case HEADER_COUNT_LIMIT
        case HEADER_BYTES_LIMIT
        case HEADER_LINE_TOO_LONG
        case HEADER_NO_COLON
        case HEADER_EMPTY_NAME
        case HEADER_NUL
        case HEADER_8BIT
        case HEADER_INVALID_UTF8
        case MISSING_FROM
        case MULTIPLE_FROM_HEADERS
        case FROM_MULTIPLE_ADDRESSES
        case FROM_GROUP
        case FROM_EMPTY
        case ADDRESS_UNPARSABLE
        case ADDRESS_COUNT_LIMIT
        case ADDRESS_NO_DOMAIN
        case IDN_INVALID
        case ENCODED_WORD_MALFORMED
        case ENCODED_WORD_UNKNOWN_CHARSET
        case ENCODED_WORD_IN_QUOTED_STRING
        case ENCODED_WORD_LIMIT
        case RFC2231_MALFORMED
        case MIME_DEPTH_LIMIT
        case MIME_PARTS_LIMIT
        case MIME_NO_BOUNDARY
        case MIME_MISSING_CLOSE_BOUNDARY
        case MIME_NO_PARTS
        case MIME_BAD_CONTENT_TYPE
        case QP_BAD_ESCAPE
        case BASE64_JUNK
        case BASE64_BAD_PADDING
        case UNKNOWN_TRANSFER_ENCODING
        case UNKNOWN_CHARSET
        case UNDECLARED_8BIT
        case INVALID_CHARSET_DATA
        case NUL_IN_BODY
        case DECODED_SIZE_LIMIT
        case TEXT_TRUNCATED
        case HTML_HIDDEN_TEXT
        case AUTH_RESULTS_MALFORMED
    }
}
