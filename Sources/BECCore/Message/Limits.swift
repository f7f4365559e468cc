/// Every input dimension the parser and detectors bound, by name. Each limit says what happens
/// when it is reached: the parser keeps what fits, stops there, and records a `Defect`.
/// Configured under `limits:` in the main config (YAML keys are the snake_case names).
public struct Limits: Sendable, Codable, Equatable {
    /// Bytes of a whole message the milter collects (headers plus body). Beyond: truncated, `MESSAGE_TRUNCATED`.
    public var maxMessageBytes: Int = 32 << 20
    /// Header fields kept per header section. Beyond: ignored, `HEADER_COUNT_LIMIT`.
    public var maxHeaderCount: Int = 1000
    /// Bytes of one header section. Beyond: the rest of the section is ignored, `HEADER_BYTES_LIMIT`.
    public var maxHeaderBytes: Int = 512 << 10
    /// Bytes of one (unfolded) header field. Beyond: the field value is cut, `HEADER_LINE_TOO_LONG`.
    public var maxHeaderFieldBytes: Int = 64 << 10
    /// RFC 2047 encoded words decoded per header value. Beyond: left as text, `ENCODED_WORD_LIMIT`.
    public var maxEncodedWords: Int = 128
    /// Addresses kept per address header. Beyond: ignored, `ADDRESS_COUNT_LIMIT`.
    public var maxAddresses: Int = 1000
    /// Nesting depth of MIME multiparts and embedded messages. Deeper parts are kept as opaque leaves, `MIME_DEPTH_LIMIT`.
    public var maxMimeDepth: Int = 32
    /// MIME parts in the whole tree. Beyond: the rest is not split, `MIME_PARTS_LIMIT`.
    public var maxMimeParts: Int = 1000
    /// Bytes decoded (base64/QP) across all text parts. Beyond: decoding stops, `DECODED_SIZE_LIMIT`.
    public var maxDecodedBytes: Int = 8 << 20
    /// UTF-8 bytes of body text handed to the detectors. Beyond: truncated, `TEXT_TRUNCATED`.
    public var maxTextBytes: Int = 256 << 10

    public init() {}

    /// The names of the limits, as they appear in YAML, with their key paths.
    public static var names: [(String, WritableKeyPath<Limits, Int>)] { [
        ("max_message_bytes", \.maxMessageBytes),
        ("max_header_count", \.maxHeaderCount),
        ("max_header_bytes", \.maxHeaderBytes),
        ("max_header_field_bytes", \.maxHeaderFieldBytes),
        ("max_encoded_words", \.maxEncodedWords),
        ("max_addresses", \.maxAddresses),
        ("max_mime_depth", \.maxMimeDepth),
        ("max_mime_parts", \.maxMimeParts),
        ("max_decoded_bytes", \.maxDecodedBytes),
        ("max_text_bytes", \.maxTextBytes),
    ] }
}
