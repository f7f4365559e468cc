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
        return fields.filter { $0.name.count == key.count && $0.name.lowercased() == key }
    }

    /// The first (topmost) field named `name`.
    public func first(_ name: String) -> HeaderField? {
        let key = name.lowercased()
        return fields.first { $0.name.count == key.count && $0.name.lowercased() == key }
    }

    public func contains(_ name: String) -> Bool { first(name) != nil }

    public var count: Int { fields.count }
}
