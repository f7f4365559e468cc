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
        if isMboxSeparator(bytes, i, end) { i = lineEnd(bytes, i, end).next }
        // At the count limit, later fields are dropped, and their continuation lines with them.
        var dropping = false
        while i < end {
            let line = lineEnd(bytes, i, end)
            if line.contentEnd == i { return (fields, line.next) } // blank line: end of header
            if i - range.lowerBound > limits.maxHeaderBytes {
                defects.append(Defect(.HEADER_BYTES_LIMIT, String(limits.maxHeaderBytes)))
                return (fields, skipToBlankLine(bytes, i, end))
            }
            if bytes[i] == 0x20 || bytes[i] == 0x09 {
                // Continuation line: extend the previous field.
                if let last = fields.indices.last, !dropping {
                    fields[last].value = fields[last].value.lowerBound..<line.contentEnd
                }
                i = line.next
                continue
            }
            guard let colon = nameEnd(bytes, i, line.contentEnd) else {
                defects.append(Defect(fields.isEmpty ? .HEADER_NO_COLON : .NO_HEADER_BODY_SEPARATOR))
                return (fields, i)
            }
            if fields.count >= limits.maxHeaderCount {
                if !dropping { defects.append(Defect(.HEADER_COUNT_LIMIT, String(limits.maxHeaderCount))) }
                dropping = true
            } else {
                fields.append(rawField(bytes, i, colon: colon, contentEnd: line.contentEnd, defects: &defects))
            }
            i = line.next
        }
        return (fields, end)
    }

    /// The field whose name starts at `start` and ends before `colon` (obsolete WSP trimmed).
    static func rawField(_ bytes: [UInt8], _ start: Int, colon: Int, contentEnd: Int, defects: inout [Defect]) -> RawField {
        var nameEndIdx = colon
        while nameEndIdx > start, bytes[nameEndIdx - 1] == 0x20 || bytes[nameEndIdx - 1] == 0x09 { nameEndIdx -= 1 }
        if nameEndIdx == start { defects.append(Defect(.HEADER_EMPTY_NAME)) }
        return RawField(name: String(decoding: bytes[start..<nameEndIdx], as: UTF8.self), value: (colon + 1)..<contentEnd)
    }

    /// An mbox "From " separator line (`From sender date`) at `start`. A header written with
    /// obsolete whitespace before the colon ("From : a@b") is not one: skipping it would hide
    /// the real From field.
    static func isMboxSeparator(_ b: [UInt8], _ start: Int, _ end: Int) -> Bool {
        guard end - start >= 5, b[start..<start + 5].elementsEqual("From ".utf8) else { return false }
        var j = start + 5
        while j < end, b[j] == 0x20 || b[j] == 0x09 { j += 1 }
        return j < end && b[j] != UInt8(ascii: ":") && b[j] != 0x0D && b[j] != 0x0A
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
                // RFC 6532 (SMTPUTF8) allows it; plain RFC 5322 does not. Noted, not penalized here.
                defects.append(Defect(.HEADER_8BIT, raw.name))
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
