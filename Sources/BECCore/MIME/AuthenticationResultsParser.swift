/// RFC 8601 Authentication-Results:
///
///     authres-header = authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo )
///     resinfo        = ";" methodspec [ reasonspec ] *( propspec )
///     methodspec     = method [ "/" version ] "=" result
///     propspec       = ptype "." property "=" pvalue
///
/// Comments are removed first (they often hold ";"). Which header to trust is not decided here.
enum AuthenticationResultsParser {
    static func parse(_ value: String, index: Int, defects: inout [Defect]) -> AuthenticationResults? {
        let clean = stripComments(value)
        let pieces = ContentTypeParser.splitUnquoted(clean)
        guard let head = pieces.first else { return nil }
        let idWords = head.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard let id = idWords.first, !id.isEmpty else {
            defects.append(Defect(.AUTH_RESULTS_MALFORMED, "no authserv-id"))
            return nil
        }
        var results: [AuthResult] = []
        for piece in pieces.dropFirst().prefix(64) {
            let words = piece.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let first = words.first, let eq = first.firstIndex(of: "=") else {
                if !piece.trimmingSpaces().isEmpty && piece.trimmingSpaces().lowercased() != "none" {
                    defects.append(Defect(.AUTH_RESULTS_MALFORMED, String(piece.prefix(40))))
                }
                continue
            }
            var method = first[..<eq].lowercased()
            if let slash = method.firstIndex(of: "/") { method = String(method[..<slash]) }
            let result = first[first.index(after: eq)...].lowercased()
            var props: [String: String] = [:]
            for w in words.dropFirst().prefix(32) {
                guard let e = w.firstIndex(of: "=") else { continue }
                let k = w[..<e].lowercased()
                var v = String(w[w.index(after: e)...])
                if v.hasPrefix("\"") { v = ContentTypeParser.unquote(v) }
                if props[k] == nil { props[k] = v.lowercased() }
            }
            results.append(AuthResult(method: method, result: result, properties: props))
        }
        return AuthenticationResults(authservID: id.lowercased(), results: results, headerIndex: index)
    }

    /// Removes (nested) comments outside quoted strings.
    static func stripComments(_ s: String) -> String {
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
}
