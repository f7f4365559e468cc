/// One header field as it arrived, plus its decoded forms.
public struct HeaderField: Sendable, Hashable {
    /// The field name as written (case preserved).
    public var name: String
    /// The raw bytes of the value (after the colon), folding included, unmodified.
    public var raw: [UInt8]
    /// The value unfolded and converted to text (UTF-8, or windows-1252 for invalid 8-bit), leading space trimmed.
    public var value: String
    /// `value` with RFC 2047 encoded words decoded (for display and unstructured fields).
    public var decoded: String

    public init(name: String, raw: [UInt8], value: String, decoded: String) {
        self.name = name
        self.raw = raw
        self.value = value
        self.decoded = decoded
    }

    /// The lowercased name, for case-insensitive comparison.
    public var key: String { name.lowercased() }
}

/// An ordered header section with case-insensitive lookup. Duplicates are kept in order.
public struct HeaderSection: Sendable, Hashable {
    public private(set) var fields: [HeaderField] = []

    public init(_ fields: [HeaderField] = []) { self.fields = fields }

    public mutating func append(_ field: HeaderField) { fields.append(field) }

    /// All fields named `name` (case-insensitive), top first.
    public func all(_ name: String) -> [HeaderField] {
        let key = name.lowercased()
        return fields.filter { Self.named($0.name, key) }
    }

    /// The first (topmost) field named `name`.
    public func first(_ name: String) -> HeaderField? {
        let key = name.lowercased()
        return fields.first { Self.named($0.name, key) }
    }

    /// `name.lowercased() == key` for a lowercased `key`; ASCII names (all real ones) are
    /// compared byte by byte without building a lowercased copy.
    static func named(_ name: String, _ key: String) -> Bool {
        let n = name.utf8, k = key.utf8
        if n.count == k.count {
            var ascii = true, equal = true
            for (a, b) in zip(n, k) {
                if a | b >= 0x80 { ascii = false; break }
                if a &+ (a &- 65 < 26 ? 32 : 0) != b { equal = false }
            }
            if ascii { return equal }
        } else if !n.contains(where: { $0 >= 0x80 }) && !k.contains(where: { $0 >= 0x80 }) {
            return false
        }
        return name.count == key.count && name.lowercased() == key
    }

    public func contains(_ name: String) -> Bool { first(name) != nil }

    public var count: Int { fields.count }
}
