import CICU

/// Helpers that move bytes between Swift and the `bec_icu_*` C shim, whose text-producing
/// functions write UTF-8 into a caller buffer and return the full length needed
/// (negative on error).
enum ICUBuffers {
    /// Calls `body` with a UTF-8 output buffer, retrying once with the exact size when the
    /// first buffer was too small. Returns nil when the shim reports an error.
    static func produce(
        initialCapacity: Int,
        _ body: (UnsafeMutablePointer<UInt8>?, Int32) -> Int32
    ) -> [UInt8]? {
        var capacity = max(16, min(initialCapacity, Int(Int32.max)))
        // The second pass can only be short if the output changed between passes, which the
        // shim's pure functions never do; the third iteration is a safety net, not a loop.
        for _ in 0..<3 {
            var buffer = [UInt8](repeating: 0, count: capacity)
            let needed = buffer.withUnsafeMutableBufferPointer { out in
                body(out.baseAddress, Int32(capacity))
            }
            if needed < 0 { return nil }
            if Int(needed) <= capacity {
                buffer.removeSubrange(Int(needed)...)
                return buffer
            }
            capacity = Int(needed)
        }
        return nil
    }

    /// Like `produce`, but decodes the output as a String (repairing any invalid UTF-8).
    static func produceString(
        initialCapacity: Int,
        _ body: (UnsafeMutablePointer<UInt8>?, Int32) -> Int32
    ) -> String? {
        produce(initialCapacity: initialCapacity, body).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The UTF-8 bytes of the leading visible part of `text`: Default_Ignorable_Code_Point
    /// scalars (U+200B, U+200C, U+200D, U+2060, U+FEFF, U+00AD, U+034F, ...) are dropped,
    /// and collection stops before the output would exceed `byteLimit` bytes or after
    /// `scanLimit` scalars have been read, so the work is bounded however long `text` is.
    /// The output always ends on a Unicode scalar boundary (a trailing grapheme cluster may
    /// be split; finding the cluster end could be unbounded on hostile input such as
    /// thousands of stacked combining marks).
    static func visiblePrefix(_ text: String, byteLimit: Int, scanLimit: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(min(byteLimit, text.utf8.count))
        var scanned = 0
        for scalar in text.unicodeScalars {
            scanned += 1
            if scanned > scanLimit { break }
            if scalar.properties.isDefaultIgnorableCodePoint { continue }
            let encoded = scalar.utf8
            if out.count + encoded.count > byteLimit { break }
            out.append(contentsOf: encoded)
        }
        return out
    }

    /// Calls `body` with a pointer to `bytes` and their count as Int32 (nil pointer when
    /// empty). Returns nil when the count does not fit in Int32.
    static func withInput<R>(
        _ bytes: [UInt8],
        _ body: (UnsafePointer<UInt8>?, Int32) -> R
    ) -> R? {
        guard let count = Int32(exactly: bytes.count) else { return nil }
        return bytes.withUnsafeBufferPointer { body($0.baseAddress, count) }
    }
}
