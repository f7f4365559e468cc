/// The little MIME the banner needs: multipart boundaries, part header sections and
/// Content-Type values. BECCore's parser decides; this only finds byte ranges to edit.

/// Finds the parts of a multipart body.
enum MultipartSplitter {
    /// The byte ranges of the parts (without the line break that precedes each delimiter).
    static func partRanges(_ body: ArraySlice<UInt8>, boundary: [UInt8]) -> [Range<Int>] {
        let dashes: [UInt8] = [0x2D, 0x2D] + boundary
        var ranges: [Range<Int>] = []
        var openStart: Int? = nil
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let nl = body[lineStart...].firstIndex(of: 0x0A)
            let lineEnd = nl ?? body.endIndex
            let next = nl.map { $0 + 1 } ?? body.endIndex
            if let close = delimiter(body[lineStart..<lineEnd], dashes) {
                if let s = openStart {
                    var end = lineStart
                    if end > s, body[end - 1] == 0x0A { end -= 1; if end > s, body[end - 1] == 0x0D { end -= 1 } }
                    ranges.append(s..<max(s, end))
                }
                if close { return ranges }
                openStart = next
            }
            lineStart = next
        }
        return ranges
    }

    /// nil if the line is not a delimiter; true for the close delimiter "--boundary--".
    private static func delimiter(_ line: ArraySlice<UInt8>, _ dashes: [UInt8]) -> Bool? {
        guard line.count >= dashes.count, line.prefix(dashes.count).elementsEqual(dashes) else { return nil }
        var rest = line.dropFirst(dashes.count)
        let close = rest.starts(with: [0x2D, 0x2D])
        if close { rest = rest.dropFirst(2) }
        // Transport padding (spaces, tabs, CR) may follow a delimiter; anything else means a
        // longer boundary that merely starts the same way.
        return rest.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } ? close : nil
    }
}

/// A part's header section: the fields (lowercased names, unfolded values, first occurrence
/// wins) and where the content starts.
enum PartHeaders {
    static func parse(_ part: ArraySlice<UInt8>) -> ([String: String], Int) {
        var fields: [String: String] = [:]
        var current: (String, [UInt8])? = nil
        var i = part.startIndex
        func flush() {
            if let (n, v) = current, fields[n] == nil { fields[n] = String(decoding: v, as: UTF8.self).trimmingWhitespace }
            current = nil
        }
        while i < part.endIndex {
            let nl = part[i...].firstIndex(of: 0x0A) ?? part.endIndex
            var line = part[i..<nl]
            if line.last == 0x0D { line = line.dropLast() }
            let next = nl < part.endIndex ? nl + 1 : part.endIndex
            if line.isEmpty { flush(); return (fields, next) }
            if line.first == 0x20 || line.first == 0x09 {
                current?.1 += [0x20] + line
            } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
                flush()
                current = (String(decoding: part[i..<colon], as: UTF8.self).trimmingWhitespace.lowercased(), Array(line[(colon + 1)...]))
            } else {
                // Not a header line: the part has no header section worth the name; treat all as content.
                return ([:], part.startIndex)
            }
            i = next
        }
        flush()
        return (fields, part.endIndex)
    }
}

/// A parsed Content-Type value: lowercased type and subtype (text/plain when absent or broken)
/// and parameters with quotes removed.
struct MediaType {
    var type = "text"
    var subtype = "plain"
    var parameters: [String: String] = [:]

    init(_ value: String?) {
        guard let value else { return }
        let pieces = Self.split(value)
        guard let first = pieces.first else { return }
        let ts = first.trimmingWhitespace.lowercased().split(separator: "/", maxSplits: 1)
        if ts.count == 2, !ts[0].isEmpty, !ts[1].isEmpty {
            type = String(ts[0])
            subtype = String(ts[1]).trimmingWhitespace
        }
        for p in pieces.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let k = String(p[..<eq]).trimmingWhitespace.lowercased()
            var v = String(p[p.index(after: eq)...]).trimmingWhitespace
            if v.hasPrefix("\""), v.hasSuffix("\""), v.count >= 2 { v = String(v.dropFirst().dropLast()).replacingBackslashEscapes }
            parameters[k] = v
        }
    }

    /// Splits on ";" outside double quotes.
    private static func split(_ s: String) -> [String] {
        var out: [String] = []
        var cur = ""
        var quoted = false
        var escaped = false
        for c in s {
            if escaped { cur.append(c); escaped = false; continue }
            if c == "\\" && quoted { cur.append(c); escaped = true; continue }
            if c == "\"" { quoted.toggle() }
            if c == ";" && !quoted { out.append(cur); cur = "" } else { cur.append(c) }
        }
        out.append(cur)
        return out
    }
}

extension String {
    var replacingBackslashEscapes: String {
        var out = ""
        var escaped = false
        for c in self {
            if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
        }
        return out
    }
}
