import BECCore

/// Puts the banner at the top of one text part's content, in the part's own transfer encoding.
struct TextPartEditor {
    let banner: String
    let html: Bool
    let charset: String?

    /// The new content, or nil when this part cannot be changed safely.
    func edit(_ content: ArraySlice<UInt8>, encoding: String?) -> [UInt8]? {
        let cte = (encoding ?? "7bit").trimmingWhitespace.lowercased()
        let cs = (charset ?? "us-ascii").trimmingWhitespace.lowercased()
        // Why: inserting ASCII bytes into UTF-16 or UTF-32 text would corrupt every character after them.
        if cs.hasPrefix("utf-16") || cs.hasPrefix("utf-32") || cs.hasPrefix("ucs-") { return nil }
        let asciiBanner = banner.unicodeScalars.allSatisfy(\.isASCII)
        let utf8 = cs == "utf-8" || cs == "utf8"
        let eol = Self.lineEnding(content)
        switch cte {
        case "7bit", "8bit", "binary":
            if !html && !asciiBanner && (cte == "7bit" || !utf8) { return nil }
            return insert(into: Array(content))
        case "quoted-printable":
            if !html && !asciiBanner && !utf8 { return nil }
            let decoded = TransferDecoding.quotedPrintable(content, limit: content.count + 1).bytes
            return QuotedPrintable.encode(insert(into: decoded), eol: eol)
        case "base64":
            if !html && !asciiBanner && !utf8 { return nil }
            let decoded = TransferDecoding.base64(content, limit: content.count + 1).bytes
            return Base64.encodeLines(insert(into: decoded), eol: eol)
        default:
            return nil
        }
    }

    private func insert(into text: [UInt8]) -> [UInt8] {
        let eol = Self.lineEnding(text[...])
        if !html {
            return Self.wrap(banner, width: 76).joined(separator: eol) + eol + eol + text
        }
        let block = Array(("<div style=\"border:2px solid #b00000;background:#fff3f3;color:#000000;padding:8px;"
            + "margin:0 0 12px 0;font-family:Arial,sans-serif;font-size:14px\">" + Self.htmlEscaped(banner) + "</div>").utf8) + eol
        let at = Self.afterOpeningTag("body", in: text) ?? Self.afterOpeningTag("html", in: text) ?? 0
        return Array(text[..<at]) + block + Array(text[at...])
    }

    /// The index just after `<name ...>` (ASCII case-insensitive), if the tag is present.
    static func afterOpeningTag(_ name: String, in text: [UInt8]) -> Int? {
        let needle = Array(("<" + name).utf8)
        guard text.count > needle.count else { return nil }
        var i = 0
        while i + needle.count < text.count {
            if zip(text[i..<(i + needle.count)], needle).allSatisfy({ lower($0) == $1 }) {
                let after = text[i + needle.count]
                if after == UInt8(ascii: ">") || after == 0x20 || after == 0x09 || after == 0x0A || after == 0x0D {
                    return text[(i + needle.count)...].firstIndex(of: UInt8(ascii: ">")).map { $0 + 1 }
                }
            }
            i += 1
        }
        return nil
    }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }

    /// CRLF unless the text uses bare LF.
    static func lineEnding(_ s: ArraySlice<UInt8>) -> [UInt8] {
        guard let nl = s.firstIndex(of: 0x0A) else { return [0x0D, 0x0A] }
        return nl > s.startIndex && s[nl - 1] == 0x0D ? [0x0D, 0x0A] : [0x0A]
    }

    /// Words wrapped into lines of at most `width` characters (a longer word gets a line of its own).
    static func wrap(_ s: String, width: Int) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var line = ""
        for word in s.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(Array(line.utf8))
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(Array(line.utf8)) }
        return lines
    }

    /// HTML text with markup characters escaped and non-ASCII as numeric references, so the
    /// block is correct in whatever charset the part declares.
    static func htmlEscaped(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out += u.isASCII && u.value >= 0x20 ? String(u) : (u.value < 0x20 ? " " : "&#\(u.value);")
            }
        }
        return out
    }
}

extension Array where Element == [UInt8] {
    func joined(separator: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (i, e) in enumerated() {
            if i > 0 { out += separator }
            out += e
        }
        return out
    }
}
