/// Turns HTML into the text a reader sees: tags dropped, script/style/head content dropped,
/// block elements become line breaks, entities decoded. Text inside elements styled to be
/// invisible (display:none, visibility:hidden, font-size:0, the `hidden` attribute) is kept
/// apart as hidden text, because attackers use it to poison filters.
public enum HTMLText {
    public struct Result: Sendable {
        public var visible: String
        public var hidden: String
    }

    /// Elements whose content is never shown: dropped with everything inside.
    static let dropContent: Set<String> = ["head", "noscript", "template", "xml"]
    /// Raw-text elements, also dropped: their content is not markup, so it is skipped to the end
    /// tag without reading tags (a "<" in a script must not swallow the end tag and the text after).
    static let rawText: Set<String> = ["script", "style", "title"]
    static let blocks: Set<String> = ["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                                      "blockquote", "hr", "ul", "ol", "pre", "section", "article", "td", "th"]
    static let voids: Set<String> = ["br", "hr", "img", "meta", "link", "input", "area", "base", "col", "wbr", "source"]
    /// Characters of a tag kept for parsing its name and attributes; the rest is read and ignored.
    static let maxTagScalars = 4096

    /// Converts `html`, reading at most `limit` Unicode scalars of it.
    public static func convert(_ html: String, limit: Int = 1 << 20) -> Result {
        var reader = Reader(it: html.unicodeScalars.prefix(limit).makeIterator())
        var state = State()
        while let c = reader.next() {
            guard c == "<", let d = reader.peek(), startsMarkup(d) else {
                state.text.append(c)
                continue
            }
            state.flush()
            guard let tag = reader.readTag() else { continue }
            let (name, closing, attrs) = parseTag(tag)
            if name.isEmpty { continue }
            if !closing && rawText.contains(name) {
                reader.skipRawText(name)
                continue
            }
            state.apply(name: name, closing: closing, attrs: attrs)
        }
        state.flush()
        return Result(visible: collapse(state.visible), hidden: collapse(state.hidden))
    }

    /// As browsers do, "<" starts markup only before an ASCII letter, "/", "!" or "?": in
    /// "price < 5" it is text, which must not swallow what follows up to the next ">".
    static func startsMarkup(_ d: Unicode.Scalar) -> Bool {
        (d.isASCII && d.properties.isAlphabetic) || d == "/" || d == "!" || d == "?"
    }

    /// Reads scalars with one of lookahead, and knows how to skip tags, comments and raw text.
    struct Reader<I: IteratorProtocol> where I.Element == Unicode.Scalar {
        var it: I
        var ahead: Unicode.Scalar? = nil

        mutating func next() -> Unicode.Scalar? {
            if let a = ahead { ahead = nil; return a }
            return it.next()
        }

        mutating func peek() -> Unicode.Scalar? {
            if ahead == nil { ahead = it.next() }
            return ahead
        }

        /// The tag after "<" up to its ">" (quoted ">" skipped), at most `maxTagScalars` kept;
        /// nil for a comment, which is read to its "-->".
        mutating func readTag() -> String? {
            var tag = String.UnicodeScalarView()
            var kept = 0
            var quote: Unicode.Scalar? = nil
            while let d = next() {
                if kept == 3 && tag.elementsEqual("!--".unicodeScalars) {
                    ahead = d
                    skipComment()
                    return nil
                }
                if let q = quote { if d == q { quote = nil } } else if d == "\"" || d == "'" { quote = d } else if d == ">" { break }
                if kept < maxTagScalars { tag.append(d); kept += 1 }
            }
            return String(tag)
        }

        /// Skips to the end of a comment whose "<!--" was read: "-->", or "->" and ">" right
        /// after the opening (as HTML parses "<!-->").
        mutating func skipComment() {
            var dashes = 2
            while let d = next() {
                if d == ">" && dashes >= 2 { return }
                dashes = d == "-" ? dashes + 1 : 0
            }
        }

        /// Skips the content of a raw-text element and its end tag `</name ...>`, case-insensitively.
        mutating func skipRawText(_ name: String) {
            let target = Array("</\(name)".unicodeScalars)
            var matched = 0
            while let c = next() {
                if matched == target.count {
                    if c == ">" { return }
                    if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "/" { _ = readTag(); return }
                    matched = 0
                }
                let lower = c.properties.lowercaseMapping.unicodeScalars.first ?? c
                matched = lower == target[matched] ? matched + 1 : (c == "<" ? 1 : 0)
            }
        }
    }

    /// The text collected so far and the elements that drop or hide it.
    struct State {
        var visible = ""
        var hidden = ""
        var text = String.UnicodeScalarView()
        var drop: (tag: String, depth: Int)? = nil
        var hide: (tag: String, depth: Int)? = nil

        mutating func flush() {
            if text.isEmpty { return }
            let t = decodeEntities(String(text))
            text.removeAll(keepingCapacity: true)
            if drop != nil { return }
            if hide != nil { hidden += t } else { visible += t }
        }

        /// Applies an opening or closing tag to the drop/hide nesting and line breaks.
        mutating func apply(name: String, closing: Bool, attrs: String) {
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
}
