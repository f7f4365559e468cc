/// RFC 5322 §2.2 header sections: `field-name ":" unstructured CRLF`, folded lines starting
/// with WSP. Accepts LF or CRLF line ends, an mbox "From " first line, obsolete whitespace
/// before the colon, and a missing blank line before the body.
enum HeaderParser {
    struct RawField {
        var name: String
        var value: Range<Int>
    }

    /// Splits `bytes[range]` into raw fields and the index where the body starts.
    static func split(_ bytes: [UInt8], _ range: Range<Int>, limits: Limits, defects: inout [Defect])
        -> (fields: [RawField], bodyStart: Int) {
        var fields: [RawField] = []
        var i = range.lowerBound
        let end = range.upperBound
        // mbox "From " separator line.
        if end - i >= 5, bytes[i] == UInt8(ascii: "F"), bytes[i..<i + 5].elementsEqual("From ".utf8) {
            i = lineEnd(bytes, i, end).next
        }
        var countLimitHit = false
        while i < end {
            let line = lineEnd(bytes, i, end)
            if line.contentEnd == i { return (fields, line.next) } // blank line: end of header
            if i - range.lowerBound > limits.maxHeaderBytes {
                defects.append(Defect(.HEADER_BYTES_LIMIT, String(limits.maxHeaderBytes)))
                return (fields, skipToBlankLine(bytes, i, end))
            }
            let first = bytes[i]
            if first == 0x20 || first == 0x09 {
                // Continuation line: extend the previous field.
                if !fields.isEmpty { fields[fields.count - 1].value = fields[fields.count - 1].value.lowerBound..<line.contentEnd }
                i = line.next
                continue
            }
            guard let colon = nameEnd(bytes, i, line.contentEnd) else {
                defects.append(Defect(fields.isEmpty ? .HEADER_NO_COLON : .NO_HEADER_BODY_SEPARATOR))
                return (fields, i)
            }
            var nameEndIdx = colon
            while nameEndIdx > i, bytes[nameEndIdx - 1] == 0x20 || bytes[nameEndIdx - 1] == 0x09 { nameEndIdx -= 1 }
            if nameEndIdx == i { defects.append(Defect(.HEADER_EMPTY_NAME)) }
            if fields.count >= limits.maxHeaderCount {
                if !countLimitHit { defects.append(Defect(.HEADER_COUNT_LIMIT, String(limits.maxHeaderCount))) }
                countLimitHit = true
            } else {
                let name = String(decoding: bytes[i..<nameEndIdx], as: UTF8.self)
                fields.append(RawField(name: name, value: (colon + 1)..<line.contentEnd))
            }
            i = line.next
        }
        return (fields, end)
    }

    /// Index of the colon ending a valid field name on this line, or nil.
    static func nameEnd(_ b: [UInt8], _ start: Int, _ end: Int) -> Int? {
        var j = start
        while j < end {
            let c = b[j]
            if c == UInt8(ascii: ":") { return j }
            // ftext is printable US-ASCII except colon; allow obsolete WSP before the colon only.
            if c == 0x20 || c == 0x09 {
                var k = j
                while k < end, b[k] == 0x20 || b[k] == 0x09 { k += 1 }
                return (k < end && b[k] == UInt8(ascii: ":")) ? k : nil
            }
            if c < 33 || c > 126 { return nil }
            j += 1
        }
        return nil
    }

    /// The end of the line's content (before CR LF) and the start of the next line.
    @inline(__always)
    static func lineEnd(_ b: [UInt8], _ start: Int, _ end: Int) -> (contentEnd: Int, next: Int) {
        var j = start
        while j < end, b[j] != 0x0A { j += 1 }
        let next = j < end ? j + 1 : end
        var ce = j
        if ce > start, b[ce - 1] == 0x0D { ce -= 1 }
        return (ce, next)
    }

    static func skipToBlankLine(_ b: [UInt8], _ start: Int, _ end: Int) -> Int {
        var i = start
        while i < end {
            let l = lineEnd(b, i, end)
            if l.contentEnd == i { return l.next }
            i = l.next
        }
        return end
    }

    /// Builds a HeaderField from a raw field: unfolds, converts to text, decodes encoded words.
    static func field(_ raw: RawField, _ bytes: [UInt8], limits: Limits, services: any UnicodeServices,
                      defects: inout [Defect]) -> HeaderField {
        var r = raw.value
        if r.count > limits.maxHeaderFieldBytes {
            defects.append(Defect(.HEADER_LINE_TOO_LONG, raw.name))
            r = r.lowerBound..<(r.lowerBound + limits.maxHeaderFieldBytes)
        }
        var unfolded: [UInt8] = []
        unfolded.reserveCapacity(r.count)
        var sawNUL = false
        var saw8bit = false
        for c in bytes[r] {
            switch c {
            case 0x0D, 0x0A: continue
            case 0: sawNUL = true; unfolded.append(0x20)
            default:
                if c >= 0x80 { saw8bit = true }
                unfolded.append(c)
            }
        }
        if sawNUL { defects.append(Defect(.HEADER_NUL, raw.name)) }
        var value: String
        if saw8bit {
            if Charsets.isValidUTF8(unfolded) {
                value = String(decoding: unfolded, as: UTF8.self)
            } else {
                defects.append(Defect(.HEADER_INVALID_UTF8, raw.name))
                value = Charsets.windows1252(unfolded)
            }
        } else {
            value = String(decoding: unfolded, as: UTF8.self)
        }
        value = value.trimmingSpaces()
        let decoded = EncodedWords.decode(value, services: services, maxWords: limits.maxEncodedWords, defects: &defects)
        return HeaderField(name: raw.name, raw: Array(bytes[raw.value]), value: value, decoded: decoded)
    }
}
