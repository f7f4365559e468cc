/// Character references and whitespace of HTML text.
extension HTMLText {
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
    /// On UTF-8 bytes: a reference's delimiters are ASCII; its length limit (32) counts characters.
    public static func decodeEntities(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "&")) else { return s }
        var src = s
        return src.withUTF8 { u in
            var out: [UInt8] = []
            out.reserveCapacity(u.count)
            var i = 0
            while i < u.count {
                guard u[i] == UInt8(ascii: "&") else { out.append(u[i]); i += 1; continue }
                var j = i + 1
                var scalars = 1  // characters from "&" to j
                while j < u.count, scalars <= 32, u[j] != UInt8(ascii: ";"), u[j] != UInt8(ascii: "&"), u[j] != UInt8(ascii: " "),
                      u[j] != UInt8(ascii: "<") {
                    j += 1
                    while j < u.count && u[j] & 0xC0 == 0x80 { j += 1 }
                    scalars += 1
                }
                let hasSemi = j < u.count && u[j] == UInt8(ascii: ";")
                if let r = reference(String(decoding: UnsafeBufferPointer(rebasing: u[(i + 1)..<j]), as: UTF8.self)) {
                    out += r.utf8
                    i = hasSemi ? j + 1 : j
                } else {
                    out.append(UInt8(ascii: "&"))
                    i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// The text of one reference body ("amp", "#8364", "#x20AC"), nil when unknown.
    static func reference(_ body: String) -> String? {
        if body.hasPrefix("#") {
            let digits = body.dropFirst()
            let v: UInt32? = (digits.first == "x" || digits.first == "X")
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            if let v { return String(Unicode.Scalar(v == 0 ? 0xFFFD : v) ?? "\u{FFFD}") }
            return nil
        }
        return named[body] ?? named[body.lowercased()]
    }

    /// Collapses runs of spaces and blank lines (space, tab and no-break space; CR and LF).
    /// A byte walk: every character it looks at is ASCII or U+00A0 (C2 A0).
    static func collapse(_ s: String) -> String {
        var s = s
        return s.withUTF8 { b in
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var lastSpace = false
            var newlines = 0
            var i = 0
            while i < b.count {
                let c = b[i]
                if c == 0x0A || c == 0x0D {
                    newlines += 1
                    lastSpace = true
                    i += 1
                    continue
                }
                let nbsp = c == 0xC2 && i + 1 < b.count && b[i + 1] == 0xA0
                if c == 0x20 || c == 0x09 || nbsp {
                    lastSpace = true
                    i += nbsp ? 2 : 1
                    continue
                }
                if c & 0xC0 != 0x80 {  // the first byte of a character
                    if newlines > 0 && !out.isEmpty { out += newlines > 1 ? [0x0A, 0x0A] : [0x0A] } else if lastSpace && !out.isEmpty { out.append(0x20) }
                    newlines = 0
                    lastSpace = false
                }
                out.append(c)
                i += 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
