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
    ///
    /// Works on the UTF-8 bytes: every character that matters to markup is ASCII, and no byte of
    /// a multi-byte sequence is ASCII, so a byte walk finds the same tags as a scalar walk while
    /// text between tags is copied as whole runs (a 1 MB HTML part no longer costs a Unicode
    /// scalar decode and append per character).
    public static func convert(_ html: String, limit: Int = 1 << 20) -> Result {
        var html = html
        return html.withUTF8 { all in
            let bytes = UnsafeBufferPointer(rebasing: all[..<byteOffset(all, scalars: limit)])
            var reader = Reader(bytes: bytes)
            var state = State()
            var textStart = 0
            while reader.i < bytes.count {
                let c = bytes[reader.i]
                reader.i += 1
                guard c == UInt8(ascii: "<"), reader.i < bytes.count, startsMarkup(bytes[reader.i]) else { continue }
                state.flush(bytes, textStart..<(reader.i - 1))
                defer { textStart = reader.i }
                guard let tag = reader.readTag() else { continue }
                let (name, closing, attrs) = parseTag(tag)
                if name.isEmpty { continue }
                if !closing && rawText.contains(name) {
                    reader.skipRawText(name)
                    continue
                }
                state.apply(name: name, closing: closing, attrs: attrs)
            }
            state.flush(bytes, textStart..<bytes.count)
            return Result(visible: collapse(state.visible), hidden: collapse(state.hidden))
        }
    }

    /// The byte offset just past the first `scalars` Unicode scalars of valid UTF-8.
    static func byteOffset(_ b: UnsafeBufferPointer<UInt8>, scalars: Int) -> Int {
        if b.count <= scalars { return b.count }
        var seen = 0
        for (i, x) in b.enumerated() where x & 0xC0 != 0x80 {
            if seen == scalars { return i }
            seen += 1
        }
        return b.count
    }

    /// As browsers do, "<" starts markup only before an ASCII letter, "/", "!" or "?": in
    /// "price < 5" it is text, which must not swallow what follows up to the next ">".
    static func startsMarkup(_ d: UInt8) -> Bool {
        (d | 0x20 >= UInt8(ascii: "a") && d | 0x20 <= UInt8(ascii: "z")) || d == UInt8(ascii: "/") || d == UInt8(ascii: "!")
            || d == UInt8(ascii: "?")
    }

    /// Walks the bytes, and knows how to skip tags, comments and raw text.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        /// The tag after "<" up to its ">" (quoted ">" skipped), at most `maxTagScalars` scalars
        /// kept; nil for a comment, which is read to its "-->".
        mutating func readTag() -> String? {
            let start = i
            var keptEnd = i
            var kept = 0
            var quote: UInt8? = nil
            while i < bytes.count {
                if kept == 3 && keptEnd - start == 3 && bytes[start] == UInt8(ascii: "!") && bytes[start + 1] == UInt8(ascii: "-")
                    && bytes[start + 2] == UInt8(ascii: "-") {
                    skipComment()
                    return nil
                }
                let d = bytes[i]
                i += 1
                if let q = quote { if d == q { quote = nil } } else if d == UInt8(ascii: "\"") || d == UInt8(ascii: "'") {
                    quote = d
                } else if d == UInt8(ascii: ">") { break }
                // Scalars are counted at their first byte; a kept scalar keeps all its bytes.
                if d & 0xC0 != 0x80 { if kept < maxTagScalars { kept += 1; keptEnd = i } } else if keptEnd == i - 1 { keptEnd = i }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<keptEnd]), as: UTF8.self)
        }

        /// Skips to the end of a comment whose "<!--" was read: "-->", or "->" and ">" right
        /// after the opening (as HTML parses "<!-->").
        mutating func skipComment() {
            var dashes = 2
            while i < bytes.count {
                let d = bytes[i]
                i += 1
                if d == UInt8(ascii: ">") && dashes >= 2 { return }
                dashes = d == UInt8(ascii: "-") ? dashes + 1 : 0
            }
        }

        /// Skips the content of a raw-text element and its end tag `</name ...>`, case-insensitively
        /// (as Unicode lowercases: "İ" counts as "i", the Kelvin sign as "k").
        mutating func skipRawText(_ name: String) {
            let target = Array("</\(name)".unicodeScalars)
            var matched = 0
            while i < bytes.count {
                let c = nextScalar()
                if matched == target.count {
                    if c == ">" { return }
                    if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "/" { _ = readTag(); return }
                    matched = 0
                }
                let lower = c.isASCII ? Unicode.Scalar(UInt8(c.value) | (c.value &- 65 < 26 ? 0x20 : 0))
                                      : c.properties.lowercaseMapping.unicodeScalars.first ?? c
                matched = lower == target[matched] ? matched + 1 : (c == "<" ? 1 : 0)
            }
        }

        /// Decodes one scalar of valid UTF-8 at `i`.
        mutating func nextScalar() -> Unicode.Scalar {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; return Unicode.Scalar(b0) }
            let n = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : 2
            var v = UInt32(b0) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
            for k in 1..<n where i + k < bytes.count { v = v << 6 | UInt32(bytes[i + k] & 0x3F) }
            i += n
            return Unicode.Scalar(v) ?? "\u{FFFD}"
        }
    }

    /// The text collected so far and the elements that drop or hide it.
    struct State {
        var visible = ""
        var hidden = ""
        var drop: (tag: String, depth: Int)? = nil
        var hide: (tag: String, depth: Int)? = nil

        /// Adds the text run `range` of `bytes` (between two tags) where it belongs.
        mutating func flush(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
            if range.isEmpty || drop != nil { return }
            let t = decodeEntities(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
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
        if let r = parseASCIITag(t) { return r }
        var s = Substring(t)
        var closing = false
        if s.first == "/" { closing = true; s = s.dropFirst() }
        let nameEnd = s.firstIndex { !($0.isLetter || $0.isNumber || $0 == ":" || $0 == "-") } ?? s.endIndex
        let name = s[..<nameEnd].lowercased()
        return (name, closing, String(s[nameEnd...]).lowercased())
    }

    /// `parseTag` for an all-ASCII tag (nearly every one), on bytes: the same name characters
    /// (letters, digits, ":", "-") and the same lowercasing, without Character properties.
    static func parseASCIITag(_ t: String) -> (String, Bool, String)? {
        var t = t
        return t.withUTF8 { b -> (String, Bool, String)? in
            var lower = [UInt8](repeating: 0, count: b.count)
            for (k, x) in b.enumerated() {
                if x >= 0x80 { return nil }
                lower[k] = x &- 65 < 26 ? x | 0x20 : x
            }
            let closing = lower.first == UInt8(ascii: "/")
            let start = closing ? 1 : 0
            var end = start
            while end < lower.count, lower[end] &- 97 < 26 || lower[end] &- 48 < 10 || lower[end] == UInt8(ascii: ":")
                || lower[end] == UInt8(ascii: "-") { end += 1 }
            return (String(decoding: lower[start..<end], as: UTF8.self), closing, String(decoding: lower[end...], as: UTF8.self))
        }
    }

    /// The attributes without blanks. The Character filter keeps a CR LF pair (one Character,
    /// equal to neither "\r" nor "\n"); the ASCII byte path does the same.
    static func compact(_ attrs: String) -> String {
        var a = attrs
        let ascii: String? = a.withUTF8 { b in
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var i = 0
            while i < b.count {
                let x = b[i]
                if x >= 0x80 { return nil }
                if x == 0x0D, i + 1 < b.count, b[i + 1] == 0x0A { out += [0x0D, 0x0A]; i += 2; continue }
                if x != 0x20 && x != 0x09 && x != 0x0A && x != 0x0D { out.append(x) }
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
        return ascii ?? attrs.filter { $0 != " " && $0 != "\t" && $0 != "\n" && $0 != "\r" }
    }

    static func isHidden(_ attrs: String) -> Bool {
        if attrs.isEmpty { return false }
        let compact = compact(attrs)
        // Byte searches: the same literal matches as Foundation's contains, without its bridging.
        if compact.utf8Contains("display:none") || compact.utf8Contains("visibility:hidden") { return true }
        if compact.utf8Contains("font-size:0") && !compact.utf8Contains("font-size:0.") { return true }
        if compact.utf8Contains("max-height:0") || compact.utf8Contains("opacity:0;") || compact.hasSuffix("opacity:0\"") { return true }
        // The bare `hidden` attribute (whose letters must be there for the word to be).
        return attrs.utf8Contains("hidden") && attrs.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "/" }).contains { $0 == "hidden" }
    }
}
