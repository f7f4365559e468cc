/// A fragment of HTML that is safe by construction: string literals in an `HTML` interpolation are
/// markup, every interpolated `String` (or number) is escaped, and only other `HTML` values pass
/// through unescaped. Attacker-controlled text can therefore only enter a page escaped.
public struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var rendered: String

    public init(stringLiteral value: String) { rendered = value }
    public init(stringInterpolation: StringInterpolation) { rendered = stringInterpolation.out }
    /// Markup we wrote ourselves. Never call it with anything derived from a message or a request.
    init(trusted: String) { rendered = trusted }

    public var description: String { rendered }

    public static func + (a: HTML, b: HTML) -> HTML { HTML(trusted: a.rendered + b.rendered) }

    public struct StringInterpolation: StringInterpolationProtocol {
        var out = ""
        public init(literalCapacity: Int, interpolationCount: Int) { out.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { out += literal }
        public mutating func appendInterpolation(_ text: String) { out += HTML.escape(text) }
        public mutating func appendInterpolation(_ text: Substring) { out += HTML.escape(String(text)) }
        public mutating func appendInterpolation(_ html: HTML) { out += html.rendered }
        public mutating func appendInterpolation(_ parts: [HTML]) { for p in parts { out += p.rendered } }
        public mutating func appendInterpolation(_ n: Int) { out += String(n) }
        public mutating func appendInterpolation(_ d: Double) { out += HTML.escape(String(d)) }
    }

    /// Escapes text for element content and for double- or single-quoted attribute values.
    /// Characters that can disguise text are shown as visible code points: C0/C1 controls other than
    /// tab and newline, bidirectional overrides and isolates (which can reverse what an analyst reads,
    /// e.g. "invoice‮fdp.exe"), and invisible formatting characters.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "`": out += "&#96;"
            case "\n", "\t": out.unicodeScalars.append(u)
            default:
                if isDisguising(u) {
                    out += "<span class=\"cp\">\(codePoint(u))</span>"
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// Controls, bidi controls, zero-width and other invisible format characters.
    static func isDisguising(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x20 || (0x7F...0x9F).contains(v) { return true }
        if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F || v == 0x061C { return true }
        if (0x200B...0x200D).contains(v) || v == 0x2060 || v == 0xFEFF || v == 0x00AD || v == 0x180E { return true }
        if (0xE0000...0xE007F).contains(v) { return true }
        return u.properties.generalCategory == .format
    }

    /// `U+202E` style.
    public static func codePoint(_ u: Unicode.Scalar) -> String {
        let h = String(u.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - h.count)) + h
    }

    /// Joins fragments.
    public static func join(_ parts: [HTML], separator: HTML = "") -> HTML {
        HTML(trusted: parts.map(\.rendered).joined(separator: separator.rendered))
    }
}
