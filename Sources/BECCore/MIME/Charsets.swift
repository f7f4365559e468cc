/// Charset conversion for mail text: fast native paths for UTF-8, ASCII and Latin-1/windows-1252,
/// everything else through the injected `UnicodeServices` (ICU).
public enum Charsets {
    /// Converts `bytes` declared as `charset` to text. Unknown charsets fall back to UTF-8 (or
    /// windows-1252 when not valid UTF-8) and report `known == false`.
    public static func decode<C: Collection>(_ bytes: C, charset: String?, services: any UnicodeServices) -> (text: String, known: Bool)
    where C.Element == UInt8 {
        let name = normalize(charset ?? "us-ascii")
        switch name {
        case "utf-8", "utf8", "us-ascii", "ascii", "ansi_x3.4-1968", "unknown-8bit", "x-unknown", "":
            return (utf8OrLatin(bytes), true)
        case "iso-8859-1", "latin1", "iso_8859-1", "l1", "windows-1252", "cp1252", "iso8859-1":
            return (windows1252(bytes), true)
        default:
            if let s = services.decode(Array(bytes), charset: name) { return (s, true) }
            return (utf8OrLatin(bytes), false)
        }
    }

    /// Whether `bytes` were not valid in the declared `charset`, given their conversion `text`:
    /// invalid UTF-8 under a UTF-8 label, 8-bit bytes under US-ASCII, or U+FFFD (an invalid or
    /// unmappable sequence) out of any other conversion.
    public static func hasInvalidData(_ bytes: [UInt8], charset: String, text: String) -> Bool {
        switch normalize(charset) {
        case "utf-8", "utf8": return !isValidUTF8(bytes)
        case "us-ascii", "ascii", "ansi_x3.4-1968": return !isASCII(bytes)
        case "unknown-8bit", "x-unknown", "": return false
        default: return text.unicodeScalars.contains("\u{FFFD}")
        }
    }

    static func normalize(_ charset: String) -> String {
        var s = charset.lowercased()
        s.removeAll { $0 == "\"" || $0 == "'" || $0 == " " }
        return s
    }

    /// UTF-8 when the bytes are valid UTF-8, otherwise windows-1252 (the usual undeclared 8-bit).
    public static func utf8OrLatin<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if isASCII(bytes) || isValidUTF8(bytes) { return String(decoding: bytes, as: UTF8.self) }
        return windows1252(bytes)
    }

    public static func isASCII<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        !bytes.contains { $0 >= 0x80 }
    }

    public static func isValidUTF8<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
        0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
    ]

    /// windows-1252 (a superset of ISO-8859-1 for printable text, as browsers treat Latin-1).
    /// Written as UTF-8 bytes (every mapped value is below U+10000): no per-character String append.
    public static func windows1252<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for b in bytes {
            if b < 0x80 { out.append(b); continue }
            let v: UInt32 = b < 0xA0 ? cp1252High[Int(b - 0x80)] : UInt32(b)
            if v < 0x800 {
                out.append(UInt8(0xC0 | v >> 6)); out.append(UInt8(0x80 | v & 0x3F))
            } else {
                out.append(UInt8(0xE0 | v >> 12)); out.append(UInt8(0x80 | v >> 6 & 0x3F)); out.append(UInt8(0x80 | v & 0x3F))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
