extension String {
    /// True when the UTF-8 bytes of `needle` occur in this string's: the literal, code-unit
    /// match Foundation's `contains(_:)` makes (and, as there, an empty needle is never found),
    /// without bridging both strings to NSString on every call.
    func utf8Contains(_ needle: String) -> Bool {
        var hay = self, pin = needle
        return hay.withUTF8 { h in pin.withUTF8 { n in Self.bytes(h, contain: n) } }
    }

    static func bytes(_ h: UnsafeBufferPointer<UInt8>, contain n: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = n.first, n.count <= h.count else { return false }
        var i = 0
        let last = h.count - n.count
        while i <= last {
            if h[i] == first {
                var k = 1
                while k < n.count && h[i + k] == n[k] { k += 1 }
                if k == n.count { return true }
            }
            i += 1
        }
        return false
    }
}
