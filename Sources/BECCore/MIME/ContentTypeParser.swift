/// RFC 2045 §5.1 Content-Type and RFC 2183 Content-Disposition values with RFC 2231 parameters:
///
///     content := type "/" subtype *(";" parameter)
///     parameter := attribute "=" value          ; value is token or quoted-string
///     RFC 2231: name*=charset'lang'%XX..., name*0=..., name*1*=...
enum ContentTypeParser {
    /// Parses "type/subtype; a=b" into a ContentType; a bad value gives text/plain and a defect.
    static func contentType(_ value: String?, services: any UnicodeServices, defects: inout [Defect]) -> ContentType? {
        guard let value else { return nil }
        let (main, params) = split(value, services: services, defects: &defects)
        let parts = main.lowercased().split(separator: "/", maxSplits: 1).map { $0.trimmingSpaces() }
        guard parts.count == 2, isToken(parts[0]), isToken(parts[1]) else {
            defects.append(Defect(.MIME_BAD_CONTENT_TYPE, String(main.prefix(60))))
            return ContentType(type: "text", subtype: "plain", parameters: params)
        }
        return ContentType(type: parts[0], subtype: parts[1], parameters: params)
    }

    /// RFC 2045 token: one or more US-ASCII printable characters other than tspecials.
    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { c in c > 32 && c < 127 && !"()<>@,;:\\\"/[]?=".utf8.contains(c) }
    }

    /// Splits a header value into its leading token and its decoded parameters (lowercased names).
    static func split(_ value: String, services: any UnicodeServices, defects: inout [Defect]) -> (String, [String: String]) {
        let pieces = splitUnquoted(value)
        let main = pieces.first.map { stripComments(String($0)).trimmingSpaces() } ?? ""
        var simple: [String: String] = [:]
        var sections: [String: [(Int, String, Bool)]] = [:]
        for piece in pieces.dropFirst() {
            guard let eq = piece.firstIndex(of: "=") else { continue }
            var name = piece[..<eq].trimmingSpaces().lowercased()
            var raw = piece[piece.index(after: eq)...].trimmingSpaces()
            if raw.hasPrefix("\"") { raw = unquote(raw) } else { raw = dropTrailingComment(raw) }
            guard !name.isEmpty, simple.count + sections.count < 64 else { continue }
            let extended = name.hasSuffix("*")
            if extended { name.removeLast() }
            if let star = name.lastIndex(of: "*"), let n = Int(name[name.index(after: star)...]), n >= 0, n < 1000 {
                sections[String(name[..<star]), default: []].append((n, raw, extended))
            } else if extended {
                sections[name, default: []].append((0, raw, true))
            } else if simple[name] == nil {
                simple[name] = raw
            }
        }
        for (name, secs) in sections {
            simple[name] = joinSections(name, secs, services: services, defects: &defects)
        }
        // Encoded words in parameters (not RFC, but common for filenames).
        for key in ["name", "filename"] {
            if let v = simple[key], v.contains("=?") {
                simple[key] = EncodedWords.decode(v, services: services, maxWords: 32, defects: &defects)
            }
        }
        return (main, simple)
    }

    /// RFC 2231 §3-4: joins the sections `name*0`, `name*1*`, ... in order; extended (`*`)
    /// sections are percent-decoded, and the first one may start with `charset'language'`.
    static func joinSections(_ name: String, _ sections: [(Int, String, Bool)], services: any UnicodeServices,
                             defects: inout [Defect]) -> String {
        var charset = "utf-8"
        var bytes: [UInt8] = []
        for (k, sec) in sections.sorted(by: { $0.0 < $1.0 }).enumerated() {
            var text = sec.1
            if sec.2 && k == 0 {
                let q = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                if q.count == 3 {
                    if !q[0].isEmpty { charset = String(q[0]) }
                    text = String(q[2])
                } else {
                    defects.append(Defect(.RFC2231_MALFORMED, name))
                }
            }
            bytes += sec.2 ? percentDecode(text) : Array(text.utf8)
        }
        let (value, known) = Charsets.decode(bytes, charset: charset, services: services)
        if !known { defects.append(Defect(.UNKNOWN_CHARSET, String(charset.prefix(40)))) }
        return value
    }

    /// Splits on ";" outside quoted strings.
    static func splitUnquoted(_ s: String) -> [Substring] {
        var out: [Substring] = []
        var start = s.startIndex
        var inQuote = false
        var escaped = false
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if escaped { escaped = false } else if c == "\\" && inQuote { escaped = true } else if c == "\"" { inQuote.toggle() } else if c == ";" && !inQuote {
                out.append(s[start..<i])
                start = s.index(after: i)
            }
            i = s.index(after: i)
        }
        out.append(s[start...])
        return out
    }

    /// A token value followed by a comment, `us-ascii (Plain text)` (RFC 2045 §5.1), without
    /// the comment. Only a comment after whitespace that ends the value is dropped, so an
    /// unquoted `report(1).pdf` keeps its name.
    static func dropTrailingComment(_ raw: String) -> String {
        guard raw.hasSuffix(")"), let open = raw.range(of: " (") ?? raw.range(of: "\t(") else { return raw }
        return raw[..<open.lowerBound].trimmingSpaces()
    }

    /// Removes (nested) comments outside quoted strings; each comment becomes one space.
    static func stripComments(_ s: String) -> String {
        guard s.contains("(") else { return s }
        var out = ""
        var depth = 0
        var inQuote = false
        var escaped = false
        for c in s {
            if escaped { escaped = false; if depth == 0 { out.append(c) }; continue }
            if c == "\\" { escaped = true; if depth == 0 { out.append(c) }; continue }
            if depth == 0 && c == "\"" { inQuote.toggle(); out.append(c); continue }
            if inQuote { out.append(c); continue }
            if c == "(" { depth += 1; continue }
            if c == ")" && depth > 0 { depth -= 1; if depth == 0 { out.append(" ") }; continue }
            if depth == 0 { out.append(c) }
        }
        return out
    }

    static func unquote(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s.dropFirst() {
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { break }
            out.append(c)
        }
        return out
    }

    static func percentDecode(_ s: String) -> [UInt8] {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%"), i + 2 < b.count, let h = TransferDecoding.hex(b[i + 1]), let l = TransferDecoding.hex(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
    }
}
