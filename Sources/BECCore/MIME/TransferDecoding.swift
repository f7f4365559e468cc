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

    /// Base64, skipping line breaks and junk characters, decoding what it can when padding is missing.
    public static func base64<C: Collection>(_ input: C, limit: Int) -> Output where C.Element == UInt8 {
        var out = Output(bytes: [], truncated: false)
        out.bytes.reserveCapacity(min(input.count * 3 / 4 + 3, limit))
        var acc: UInt32 = 0
        var n = 0
        var sawPad = false
        for c in input {
            let v: UInt8
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): v = c - 65
            case UInt8(ascii: "a")...UInt8(ascii: "z"): v = c - 71
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c + 4
            case UInt8(ascii: "+"), UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): v = 63
            case UInt8(ascii: "="): sawPad = true; continue
            case 0x0D, 0x0A, 0x20, 0x09: continue
            default: out.junk = true; continue
            }
            if sawPad { out.junk = true }
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
        switch n {
        case 2: out.bytes.append(UInt8(truncatingIfNeeded: acc >> 4)); if !sawPad { out.badPadding = true }
        case 3:
            out.bytes.append(UInt8(truncatingIfNeeded: acc >> 10))
            out.bytes.append(UInt8(truncatingIfNeeded: acc >> 2))
            if !sawPad { out.badPadding = true }
        case 1: out.badPadding = true
        default: break
        }
        return out
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
