/// Turns HTML into the text a reader sees: tags dropped, script/style/head content dropped,
/// block elements become line breaks, entities decoded. Text inside elements styled to be
/// invisible (display:none, visibility:hidden, font-size:0, the `hidden` attribute) is kept
/// apart as hidden text, because attackers use it to poison filters.
public enum HTMLText {
    public struct Result: Sendable {
        public var visible: String
        public var hidden: String
    }

    static let dropContent: Set<String> = ["script", "style", "head", "title", "noscript", "template", "xml"]
    static let blocks: Set<String> = ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                                      "blockquote", "hr", "ul", "ol", "pre", "section", "article", "td", "th"]
    static let voids: Set<String> = ["br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr", "source"]

    /// Converts `html`, reading at most `limit` characters of it.
    public static func convert(_ html: String, limit: Int = 1 << 20) -> Result {
        var visible = ""
        var hidden = ""
        var drop: (tag: String, depth: Int)? = nil
        var hide: (tag: String, depth: Int)? = nil
        var it = html.unicodeScalars.prefix(limit).makeIterator()
        var pendingText = String.UnicodeScalarView()

        func flush() {
            if pendingText.isEmpty { return }
            let t = decodeEntities(String(pendingText))
            pendingText.removeAll(keepingCapacity: true)
            if drop != nil { return }
            if hide != nil { hidden += t } else { visible += t }
        }

        while let c = it.next() {
            if c != "<" { pendingText.append(c); continue }
            flush()
            // Read a tag (or comment) up to ">".
            var tag = String.UnicodeScalarView()
            var quote: Unicode.Scalar? = nil
            var isComment = false
            while let d = it.next() {
                if tag.count == 3 && String(tag) == "!--" { isComment = true }
                if isComment {
                    tag.append(d)
                    if d == ">" && String(tag).hasSuffix("-->") { break }
                    if tag.count > 100_000 { break }
                    continue
                }
                if let q = quote { if d == q { quote = nil } } else if d == "\"" || d == "'" { quote = d } else if d == ">" { break }
                if tag.count < 4096 { tag.append(d) }
            }
            if isComment { continue }
            let (name, closing, attrs) = parseTag(String(tag))
            if name.isEmpty { continue }
            if closing {
                if let d = drop, d.tag == name { drop = d.depth <= 1 ? nil : (name, d.depth - 1) }
                if let h = hide, h.tag == name { hide = h.depth <= 1 ? nil : (name, h.depth - 1) }
            } else {
                if let d = drop, d.tag == name { drop = (name, d.depth + 1) }
                if let h = hide, h.tag == name, !voids.contains(name) { hide = (name, h.depth + 1) }
                if drop == nil, dropContent.contains(name) { drop = (name, 1) }
                if hide == nil, !voids.contains(name), isHidden(attrs) { hide = (name, 1) }
            }
            if blocks.contains(name) { if hide != nil { hidden += "\n" } else if drop == nil { visible += "\n" } }
        }
        flush()
        return Result(visible: collapse(visible), hidden: collapse(hidden))
    }

    static func parseTag(_ t: String) -> (String, Bool, String) {
        var s = Substring(t)
        var closing = false
        if s.first == "/" { closing = true; s = s.dropFirst() }
        let nameEnd = s.firstIndex { !($0.isLetter || $0.isNumber || $0 == ":" || $0 == "-") } ?? s.endIndex
        let name = s[..<nameEnd].lowercased()
        return (name, closing, String(s[nameEnd...]).lowercased())
    }

    static func isHidden(_ attrs: String) -> Bool {
        if attrs.isEmpty { return false }
        let compact = attrs.filter { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" }
        if compact.contains("display:none") || compact.contains("visibility:hidden") { return true }
        if compact.contains("font-size:0") && !compact.contains("font-size:0.") { return true }
        if compact.contains("max-height:0") || compact.contains("opacity:0;") || compact.hasSuffix("opacity:0\"") { return true }
        // The bare `hidden` attribute.
        return attrs.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "/" }).contains { $0 == "hidden" }
    }

    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "copy": "©", "reg": "®",
        "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "hellip": "…", "ndash": "–", "mdash": "—",
        "lsquo": "‘", "rsquo": "’", "ldquo": "“", "rdquo": "”", "bull": "•", "middot": "·", "trade": "™",
        "zwnj": "\u{200C}", "zwj": "\u{200D}", "shy": "\u{00AD}", "laquo": "«", "raquo": "»", "deg": "°",
        "eacute": "é", "egrave": "è", "ecirc": "ê", "aacute": "á", "agrave": "à", "acirc": "â", "iacute": "í",
        "oacute": "ó", "ouml": "ö", "uuml": "ü", "auml": "ä", "szlig": "ß", "ccedil": "ç", "ntilde": "ñ",
        "uacute": "ú", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "Eacute": "É", "times": "×", "sect": "§", "para": "¶",
        "ensp": " ", "emsp": " ", "thinsp": " ",
    ]

    /// Decodes named and numeric character references; unknown ones stay as written.
    public static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = String.UnicodeScalarView()
        let u = Array(s.unicodeScalars)
        var i = 0
        while i < u.count {
            guard u[i] == "&" else { out.append(u[i]); i += 1; continue }
            var j = i + 1
            while j < u.count, j - i <= 32, u[j] != ";", u[j] != "&", u[j] != " ", u[j] != "<" { j += 1 }
            let hasSemi = j < u.count && u[j] == ";"
            let body = String(String.UnicodeScalarView(u[(i + 1)..<min(j, u.count)]))
            var replacement: String? = nil
            if body.hasPrefix("#") {
                let digits = body.dropFirst()
                let v: UInt32? = (digits.first == "x" || digits.first == "X")
                    ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                if let v { replacement = String(Unicode.Scalar(v == 0 ? 0xFFFD : v) ?? "\u{FFFD}") }
            } else if let r = named[body] ?? named[body.lowercased()] {
                replacement = r
            }
            if let r = replacement {
                out.append(contentsOf: r.unicodeScalars)
                i = hasSemi ? j + 1 : j
            } else {
                out.append("&")
                i += 1
            }
        }
        return String(out)
    }

    /// Collapses runs of spaces and blank lines.
    static func collapse(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        var lastSpace = false
        var newlines = 0
        for c in s.unicodeScalars {
            if c == "\n" || c == "\r" {
                newlines += 1
                lastSpace = true
                continue
            }
            if c == " " || c == "\t" || c == "\u{A0}" {
                lastSpace = true
                continue
            }
            if newlines > 0 && !out.isEmpty { out += newlines > 1 ? "\n\n" : "\n" } else if lastSpace && !out.isEmpty { out += " " }
            newlines = 0
            lastSpace = false
            out.unicodeScalars.append(c)
        }
        return out
    }
}
