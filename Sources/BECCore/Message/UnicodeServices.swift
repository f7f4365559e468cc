/// The Unicode services the core needs but does not implement itself: charset conversion,
/// UTS #39 confusable skeletons and script checks, and IDNA. The production implementation
/// (`ICUServices` in BECICU) wraps ICU; it must be safe to share read-only across threads.
public protocol UnicodeServices: Sendable {
    /// Converts `bytes` in the named charset (any name or alias ICU knows) to a String.
    /// Returns nil when the charset is unknown. Invalid sequences become U+FFFD.
    func decode(_ bytes: [UInt8], charset: String) -> String?

    /// The UTS #39 confusable skeleton of `text` (NFD, confusable mapping, NFD).
    func skeleton(_ text: String) -> String

    /// UTS #39 restriction level of `text`.
    func restrictionLevel(_ text: String) -> RestrictionLevel

    /// The set of Unicode script codes (ISO 15924, e.g. "Latn", "Cyrl", "Grek") used by
    /// the letters of `text`, ignoring Common and Inherited.
    func scripts(_ text: String) -> Set<String>

    /// UTS #46 ToASCII of a domain name (punycode); nil when the name is not valid IDNA.
    func idnaToASCII(_ domain: String) -> String?

    /// UTS #46 ToUnicode of a domain name; nil when the name is not valid IDNA.
    func idnaToUnicode(_ domain: String) -> String?
}

/// UTS #39 §5.2 restriction levels, most restrictive first.
public enum RestrictionLevel: Int, Sendable, Codable, Comparable, CustomStringConvertible {
    case asciiOnly = 1
    case singleScript = 2
    case highlyRestrictive = 3
    case moderatelyRestrictive = 4
    case minimallyRestrictive = 5
    case unrestricted = 6

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .asciiOnly: "ascii-only"
        case .singleScript: "single-script"
        case .highlyRestrictive: "highly-restrictive"
        case .moderatelyRestrictive: "moderately-restrictive"
        case .minimallyRestrictive: "minimally-restrictive"
        case .unrestricted: "unrestricted"
        }
    }
}
