/// Encoders for the transfer encodings the banner re-encodes into (RFC 2045 §6.7, §6.8). The
/// decoders live in BECCore (`TransferDecoding`).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    static func encodeBytes(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(i + 1 < bytes.count ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? alphabet[Int(n & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return out
    }

    /// Base64 body text: lines of 76 characters, each ended by `eol`.
    static func encodeLines(_ bytes: [UInt8], eol: [UInt8]) -> [UInt8] {
        let flat = encodeBytes(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(flat.count + flat.count / 76 * eol.count + eol.count)
        var i = 0
        while i < flat.count {
            out += flat[i..<min(i + 76, flat.count)]
            out += eol
            i += 76
        }
        return out
    }
}

enum QuotedPrintable {
    /// Encodes text whose hard line breaks are LF or CRLF; output lines end with `eol` and are at
    /// most 76 characters, with soft breaks ("=" at line end) where needed.
    static func encode(_ bytes: [UInt8], eol: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> ArraySlice<UInt8> in
            line.last == 0x0D ? line.dropLast() : line
        }
        let endsWithBreak = bytes.last == 0x0A
        if endsWithBreak { lines.removeLast() }
        for (n, line) in lines.enumerated() {
            encodeLine(line, eol: eol, into: &out)
            if n < lines.count - 1 || endsWithBreak { out += eol }
        }
        return out
    }

    private static func encodeLine(_ line: ArraySlice<UInt8>, eol: [UInt8], into out: inout [UInt8]) {
        var width = 0
        for (k, b) in zip(line.indices, line) {
            let last = k == line.index(before: line.endIndex)
            let literal = (b >= 33 && b <= 126 && b != UInt8(ascii: "=")) || ((b == 0x20 || b == 0x09) && !last)
            let token: [UInt8] = literal ? [b] : escape(b)
            if width + token.count > 75 {
                out += [UInt8(ascii: "=")] + eol
                width = 0
            }
            out += token
            width += token.count
        }
    }

    private static func escape(_ b: UInt8) -> [UInt8] {
        let hex = Array("0123456789ABCDEF".utf8)
        return [UInt8(ascii: "="), hex[Int(b >> 4)], hex[Int(b & 15)]]
    }
}
