/// RFC 2047 encoded words: `=?charset[*lang]?B|Q?text?=`.
///
/// Lenient as real mail needs: words need not be separated by whitespace, whitespace between
/// adjacent encoded words is dropped, adjacent words in one charset are joined before charset
/// conversion (so a multi-byte character split across two words survives), and anything that
/// does not parse as an encoded word is left as text.
public enum EncodedWords {
    /// Decodes every encoded word in `text`, appending defects.
    public static func decode(_ text: String, services: any UnicodeServices, maxWords: Int,
                              defects: inout [Defect]) -> String {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, containsMarker(bytes) else { return text }
        var joiner = Joiner(bytes: bytes, services: services)
        var sawMalformed = false
        var deadFrom = Int.max
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "="), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "?") else {
                i += 1
                continue
            }
            guard let word = parseWord(bytes, at: i, deadFrom: &deadFrom) else {
                if !sawMalformed { sawMalformed = looksMalformed(bytes, at: i) }
                i += 1
                continue
            }
            if joiner.words >= maxWords {
                defects.append(Defect(.ENCODED_WORD_LIMIT, String(maxWords)))
                break
            }
            joiner.add(word, at: i)
            i = word.end
        }
        if sawMalformed { defects.append(Defect(.ENCODED_WORD_MALFORMED)) }
        if joiner.words == 0 { return text }
        return joiner.finish(defects: &defects)
    }

    /// Builds the decoded text: literal text between words is kept, except whitespace between
    /// two encoded words; adjacent words in one charset are converted together.
    struct Joiner {
        let bytes: [UInt8]
        let services: any UnicodeServices
        var out = ""
        var words = 0
        var pending: (charset: String, bytes: [UInt8])? = nil
        var literalStart = 0
        var unknownCharsets: [String] = []

        init(bytes: [UInt8], services: any UnicodeServices) {
            self.bytes = bytes
            self.services = services
        }

        mutating func add(_ word: Word, at start: Int) {
            words += 1
            let gap = literalStart..<start
            let gapIsSpace = gap.allSatisfy { bytes[$0] == 0x20 || bytes[$0] == 0x09 || bytes[$0] == 0x0D || bytes[$0] == 0x0A }
            if pending == nil || !gapIsSpace {
                flush()
                out += String(decoding: bytes[gap], as: UTF8.self)
            }
            let decoded = word.isBase64
                ? TransferDecoding.base64(bytes[word.text], limit: 1 << 20).bytes
                : qDecode(bytes[word.text])
            if var p = pending, p.charset == word.charset {
                p.bytes += decoded
                pending = p
            } else {
                flush()
                pending = (word.charset, decoded)
            }
            literalStart = word.end
        }

        mutating func flush() {
            guard let p = pending else { return }
            let (s, known) = Charsets.decode(p.bytes, charset: p.charset, services: services)
            if !known { unknownCharsets.append(p.charset) }
            out += s
            pending = nil
        }

        mutating func finish(defects: inout [Defect]) -> String {
            flush()
            if literalStart < bytes.count { out += String(decoding: bytes[literalStart...], as: UTF8.self) }
            defects += unknownCharsets.map { Defect(.ENCODED_WORD_UNKNOWN_CHARSET, $0) }
            return out
        }
    }

    struct Word {
        var charset: String
        var isBase64: Bool
        var text: Range<Int>
        var end: Int
    }

    /// `=?charset?enc?text?=` starting at `start`; nil when malformed. `deadFrom` remembers the
    /// first text position from which no "?=" can follow (the scan ran to the end), so a value
    /// full of "=?a?q?" openings is scanned once, not once per opening.
    static func parseWord(_ b: [UInt8], at start: Int, deadFrom: inout Int) -> Word? {
        var i = start + 2
        let csStart = i
        while i < b.count, b[i] != UInt8(ascii: "?") {
            if b[i] <= 0x20 || b[i] >= 0x7F || i - csStart > 64 { return nil }
            i += 1
        }
        guard i < b.count, i > csStart, i + 2 < b.count, b[i + 2] == UInt8(ascii: "?") else { return nil }
        var charset = String(decoding: b[csStart..<i], as: UTF8.self).lowercased()
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        let enc = b[i + 1] | 0x20
        guard enc == UInt8(ascii: "b") || enc == UInt8(ascii: "q") else { return nil }
        let textStart = i + 3
        if textStart >= deadFrom { return nil }
        var j = textStart
        while j + 1 < b.count {
            if b[j] == UInt8(ascii: "?") && b[j + 1] == UInt8(ascii: "=") {
                return Word(charset: charset, isBase64: enc == UInt8(ascii: "b"), text: textStart..<j, end: j + 2)
            }
            // Encoded words hold no whitespace; give up at the first so a stray "=?" stays text.
            if b[j] == 0x20 || b[j] == 0x09 || b[j] == 0x0A || b[j] == 0x0D { return nil }
            j += 1
        }
        deadFrom = min(deadFrom, textStart)
        return nil
    }

    /// The "Q" encoding: `_` is space, `=XX` a byte; a bad escape is kept literally.
    static func qDecode(_ s: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == UInt8(ascii: "_") { out.append(0x20); i += 1; continue }
            if c == UInt8(ascii: "="), i + 2 < s.endIndex,
               let hi = TransferDecoding.hex(s[i + 1]), let lo = TransferDecoding.hex(s[i + 2]) {
                out.append(hi << 4 | lo)
                i += 3
                continue
            }
            out.append(c)
            i += 1
        }
        return out
    }

    static func containsMarker(_ b: [UInt8]) -> Bool {
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "=") && b[i + 1] == UInt8(ascii: "?") { return true }
            i += 1
        }
        return false
    }

    /// Whether the "=?" at `start` that did not parse was meant as an encoded word: it goes on
    /// with `charset?` (a "?" before any whitespace), unlike prose such as "1+1=?2".
    static func looksMalformed(_ b: [UInt8], at start: Int) -> Bool {
        var j = start + 2
        while j < b.count, j - start < 80 {
            if b[j] == UInt8(ascii: "?") { return true }
            if b[j] <= 0x20 { return false }
            j += 1
        }
        return false
    }
}
