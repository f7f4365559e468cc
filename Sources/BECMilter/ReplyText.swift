/// SMTP reply text hygiene.
enum SMTPReply {
    /// One line of printable ASCII, at most 200 bytes: libmilter refuses CR/LF, and a reply is no
    /// place for anything else.
    static func sanitized(_ s: String) -> String {
        let kept = s.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : " " }
        let t = String(String(kept).prefix(200)).trimmingWhitespace
        return t.isEmpty ? "Message refused" : t
    }
}

/// RFC 2047 encoding for the configured subject prefix.
enum EncodedWord {
    static func encodeIfNeeded(_ s: String) -> String {
        if s.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 }) { return s }
        return "=?UTF-8?B?" + Base64.encode(Array(s.utf8)) + "?="
    }
}
