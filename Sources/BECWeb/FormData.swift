/// `application/x-www-form-urlencoded` decoding (bodies and query strings) and query building.
enum FormData {
    /// Decodes `a=1&b=x+y`; the first value of a repeated key wins; malformed escapes are kept literally.
    static func parse(_ s: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0])
            if out[key] == nil { out[key] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let b = u.popFirst() {
            if b == UInt8(ascii: "+") { bytes.append(32); continue }
            if b == UInt8(ascii: "%"), u.count >= 2, let h = hex(u[u.startIndex]), let l = hex(u[u.startIndex + 1]) {
                bytes.append(h << 4 | l)
                u = u.dropFirst(2)
                continue
            }
            bytes.append(b)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 65...70: c - 55
        case 97...102: c - 87
        default: nil
        }
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986).
    static func encode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case 48...57, 65...90, 97...122, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let h = String(b, radix: 16, uppercase: true)
                out += "%" + (h.count == 1 ? "0" + h : h)
            }
        }
        return out
    }

    /// `?a=1&b=2` from pairs with non-empty values, in order; "" when none.
    static func query(_ pairs: [(String, String)]) -> String {
        let parts = pairs.filter { !$0.1.isEmpty }.map { encode($0.0) + "=" + encode($0.1) }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }
}
