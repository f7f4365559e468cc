/// Content-Transfer-Encoding decoders (RFC 2045 §6), tolerant of what real mail gets wrong.
public enum TransferDecoding {
    /// Result of a decode: the bytes (at most `limit`), whether more was cut, and defects seen.
    public struct Output {
        public var bytes: [UInt8]
        public var truncated: Bool
        public var badEscape = false
        public var junk = false
        public var badPadding = false
    }

    /// Quoted-printable: soft line breaks, upper- or lowercase hex; a bad escape is kept literally.
    public static func quotedPrintable<C: RandomAccessCollection>(_ input: C, limit: Int) -> Output
    where C.Element == UInt8, C.Index == Int {
        var out = Output(bytes: [], truncated: false)
        out.bytes.reserveCapacity(min(input.count, limit))
        var i = input.startIndex
        let end = input.endIndex
        while i < end {
            if out.bytes.count >= limit { out.truncated = true; break }
            let b = input[i]
            if b == UInt8(ascii: "=") {
                // Soft line break: "=" then optional trailing whitespace then (CR)LF.
                var j = i + 1
                while j < end, input[j] == 0x20 || input[j] == 0x09 { j += 1 }
                if j < end, input[j] == 0x0D { j += 1 }
                if j < end, input[j] == 0x0A { i = j + 1; continue }
                if j == end { i = j; continue }
                if i + 2 < end, let hi = hex(input[i + 1]), let lo = hex(input[i + 2]) {
                    out.bytes.append(hi << 4 | lo)
                    i += 3
                    continue
                }
                out.badEscape = true
                out.bytes.append(b)
                i += 1
                continue
            }
            out.bytes.append(b)
            i += 1
        }
        return out
    }

    /// Base64, skipping line breaks and junk characters, decoding what it can when padding is
    /// missing. Padding ends a segment: data after it (concatenated base64) is decoded as a new
    /// segment and noted as junk, instead of being shifted into the bits of the previous one.
    public static func base64<C: Collection>(_ input: C, limit: Int) -> Output where C.Element == UInt8 {
        var out = Output(bytes: [], truncated: false)
        out.bytes.reserveCapacity(min(input.count * 3 / 4 + 3, limit))
        var acc: UInt32 = 0
        var n = 0
        var padded = false
        for c in input {
            guard let v = base64Value(c) else {
                if c == UInt8(ascii: "=") {
                    if n == 1 { out.badPadding = true }
                    if !emitTail(&out, acc: acc, n: n, limit: limit) { return out }
                    acc = 0
                    n = 0
                    padded = true
                } else if c != 0x0D && c != 0x0A && c != 0x20 && c != 0x09 {
                    out.junk = true
                }
                continue
            }
            if padded { out.junk = true; padded = false }
            acc = acc << 6 | UInt32(v)
            n += 1
            if n == 4 {
                if out.bytes.count + 3 > limit { out.truncated = true; return out }
                out.bytes.append(UInt8(truncatingIfNeeded: acc >> 16))
                out.bytes.append(UInt8(truncatingIfNeeded: acc >> 8))
                out.bytes.append(UInt8(truncatingIfNeeded: acc))
                acc = 0
                n = 0
            }
        }
        if n > 0 { out.badPadding = true }
        _ = emitTail(&out, acc: acc, n: n, limit: limit)
        return out
    }

    /// Appends the 1 or 2 bytes of an incomplete quantum of `n` sextets, within `limit`.
    /// Returns false (and marks truncation) when they do not fit.
    static func emitTail(_ out: inout Output, acc: UInt32, n: Int, limit: Int) -> Bool {
        let tail: [UInt8] = n == 2 ? [UInt8(truncatingIfNeeded: acc >> 4)]
            : n == 3 ? [UInt8(truncatingIfNeeded: acc >> 10), UInt8(truncatingIfNeeded: acc >> 2)] : []
        if out.bytes.count + tail.count > limit {
            out.truncated = true
            return false
        }
        out.bytes += tail
        return true
    }

    /// The 6-bit value of a base64 character (standard or URL-safe alphabet), nil for others.
    @inline(__always) static func base64Value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - 65
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - 71
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c + 4
        case UInt8(ascii: "+"), UInt8(ascii: "-"): 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): 63
        default: nil
        }
    }

    /// Estimated decoded size of a base64 body without decoding it.
    public static func base64DecodedSize<C: Collection>(_ input: C) -> Int where C.Element == UInt8 {
        var n = 0
        for c in input where isBase64Char(c) { n += 1 }
        return n * 3 / 4
    }

    @inline(__always) static func isBase64Char(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c == 43 || c == 47
    }

    @inline(__always) static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - 48
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - 55
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - 87
        default: nil
        }
    }
}
