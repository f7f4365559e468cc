/// Collects a message as a milter receives it (header fields one by one, then body chunks)
/// into the raw bytes the parser reads, within `Limits.maxMessageBytes`. Parsing happens once,
/// at end of message, so feeding the body in chunks of any size gives the same message.
public struct MessageAccumulator: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var truncated = false
    public let maxBytes: Int
    private var headersEnded = false

    public init(maxBytes: Int) {
        self.maxBytes = maxBytes
        bytes.reserveCapacity(min(maxBytes, 64 << 10))
    }

    /// Adds one header field as libmilter delivers it (value without the leading space; folded
    /// lines joined by "\n" + whitespace, normalized here to CRLF).
    public mutating func addHeader(name: String, value: String) {
        var line = Array(name.utf8)
        line.append(UInt8(ascii: ":"))
        let v = Array(value.utf8)
        if let first = v.first, first != 0x20 && first != 0x09 { line.append(0x20) }
        var prev: UInt8 = 0
        for c in v {
            if c == 0x0A && prev != 0x0D { line.append(0x0D) }
            line.append(c)
            prev = c
        }
        line += [0x0D, 0x0A]
        append(line)
    }

    /// Marks the end of the header section (the blank line).
    public mutating func endHeaders() {
        guard !headersEnded else { return }
        headersEnded = true
        append([0x0D, 0x0A])
    }

    /// Appends a body chunk.
    public mutating func appendBody<C: Collection>(_ chunk: C) where C.Element == UInt8 {
        endHeaders()
        append(chunk)
    }

    /// Appends raw bytes (a whole message from a file, for instance).
    public mutating func appendRaw<C: Collection>(_ chunk: C) where C.Element == UInt8 {
        headersEnded = true
        append(chunk)
    }

    private mutating func append<C: Collection>(_ chunk: C) where C.Element == UInt8 {
        let room = maxBytes - bytes.count
        if chunk.count <= room {
            bytes.append(contentsOf: chunk)
        } else {
            bytes.append(contentsOf: chunk.prefix(max(0, room)))
            truncated = true
        }
    }
}
