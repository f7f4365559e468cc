/// RFC 8601 Authentication-Results:
///
///     authres-header = authserv-id [ CFWS authres-version ] ( no-result / 1*resinfo )
///     no-result      = [CFWS] ";" [CFWS] "none"
///     resinfo        = [CFWS] ";" methodspec [ CFWS reasonspec ] [ CFWS 1*propspec ]
///     methodspec     = [CFWS] method [CFWS] "=" [CFWS] result
///     reasonspec     = "reason" [CFWS] "=" [CFWS] value
///     propspec       = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
///
/// Comments are removed first (they often hold ";"). Which header to trust is not decided here.
enum AuthenticationResultsParser {
    static func parse(_ value: String, index: Int, defects: inout [Defect]) -> AuthenticationResults? {
        let clean = ContentTypeParser.stripComments(value)
        let pieces = ContentTypeParser.splitUnquoted(clean)
        let head = words(pieces.first ?? "")
        guard var id = head.first else {
            defects.append(Defect(.AUTH_RESULTS_MALFORMED, "no authserv-id"))
            return nil
        }
        var results: [AuthResult] = []
        // An authserv-id is domain-like: "spf=pass" in its place (as Exchange Online writes)
        // means it is missing. The results are kept, under an empty id no one can trust.
        if id.contains("=") {
            defects.append(Defect(.AUTH_RESULTS_MALFORMED, "no authserv-id"))
            results += resinfo(head).map { [$0] } ?? []
            id = ""
        } else if pieces.count < 2 {
            defects.append(Defect(.AUTH_RESULTS_MALFORMED, "no result"))
        }
        for piece in pieces.dropFirst().prefix(64) {
            if let r = resinfo(words(piece)) {
                results.append(r)
            } else if !piece.trimmingSpaces().isEmpty && piece.trimmingSpaces().lowercased() != "none" {
                defects.append(Defect(.AUTH_RESULTS_MALFORMED, String(piece.trimmingSpaces().prefix(40))))
            }
        }
        return AuthenticationResults(authservID: id.lowercased(), results: results, headerIndex: index)
    }

    /// One `method[/version]=result` with its reason and properties; nil when there is no methodspec.
    static func resinfo(_ words: [String]) -> AuthResult? {
        guard let first = words.first, let eq = first.firstIndex(of: "="), eq != first.startIndex else { return nil }
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
        return AuthResult(method: method, result: result, properties: props)
    }

    /// Splits on whitespace outside quoted strings. Whitespace around "=" (CFWS the grammar
    /// allows) is dropped, so "spf = pass" reads as "spf=pass".
    static func words<S: StringProtocol>(_ piece: S) -> [String] {
        var out: [String] = []
        var cur = ""
        var inQuote = false
        var escaped = false
        var gap = false
        for c in piece {
            if inQuote {
                cur.append(c)
                if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inQuote = false }
                continue
            }
            if c == " " || c == "\t" || c == "\r" || c == "\n" || c == "\r\n" { gap = true; continue }
            if gap && c != "=" && !cur.isEmpty && !cur.hasSuffix("=") { out.append(cur); cur = "" }
            gap = false
            if c == "\"" { inQuote = true }
            cur.append(c)
        }
        if !cur.isEmpty { out.append(cur) }
        return out
    }
}
