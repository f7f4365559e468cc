/// RFC 2046 MIME tree parsing over the raw message bytes, bounded by `Limits`.
///
///     multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF body-part
///                       *encapsulation close-delimiter transport-padding [CRLF epilogue]
///
/// Tolerates missing or wrong close boundaries, missing boundary parameters, parts without
/// headers; embedded message/rfc822 parts are parsed as messages. Text of the message's own
/// text/plain and text/html parts is decoded (within `maxDecodedBytes`) for the detectors;
/// in multipart/alternative the plain part is preferred.
struct MIMEParser {
    struct TextChunk {
        var text: String
        var isHTML: Bool
    }

    let bytes: [UInt8]
    let limits: Limits
    let services: any UnicodeServices
    var defects: [Defect] = []
    var partCount = 0
    var decodedBytes = 0
    var texts: [TextChunk] = []
    var hidden: [String] = []
    var attachments: [Attachment] = []

    init(bytes: [UInt8], limits: Limits, services: any UnicodeServices) {
        self.bytes = bytes
        self.limits = limits
        self.services = services
    }

    /// Parses a part (its own header section and body) found at `range`.
    mutating func parsePart(_ range: Range<Int>, defaultType: ContentType, depth: Int, path: String, embedded: Bool) -> MIMEPart {
        var d: [Defect] = []
        let (raw, bodyStart) = HeaderParser.split(bytes, range, limits: limits, defects: &d)
        let fields = raw.map { HeaderParser.field($0, bytes, limits: limits, services: services, defects: &d) }
        defects += d
        let headers = HeaderSection(fields)
        let ct = ContentTypeParser.contentType(headers.first("content-type")?.value, services: services, defects: &defects) ?? defaultType
        return parseBody(bodyStart..<range.upperBound, headers: headers, contentType: ct, depth: depth, path: path, embedded: embedded)
    }

    /// Parses a body whose headers are already known.
    mutating func parseBody(_ body: Range<Int>, headers: HeaderSection, contentType ct: ContentType,
                            depth: Int, path: String, embedded: Bool) -> MIMEPart {
        partCount += 1
        let cte = (headers.first("content-transfer-encoding")?.value ?? "7bit").lowercased().trimmingSpaces()
        var part = MIMEPart(headers: headers, contentType: ct, transferEncoding: cte, encodedSize: body.count,
                            decodedSize: body.count, path: path, embedded: embedded)
        if let disp = headers.first("content-disposition")?.value {
            let (kind, params) = ContentTypeParser.split(disp, services: services, defects: &defects)
            part.disposition = kind.lowercased()
            part.filename = params["filename"]
        }
        if part.filename == nil { part.filename = ct.parameters["name"] }

        if ct.isMultipart || ct.mimeType == "message/rfc822" {
            if depth >= limits.maxMimeDepth {
                defects.append(Defect(.MIME_DEPTH_LIMIT, path))
                return part
            }
        }
        if ct.isMultipart {
            parseMultipart(&part, body, depth: depth)
            return part
        }
        if ct.mimeType == "message/rfc822", cte != "base64", cte != "quoted-printable" {
            part.children.append(parsePart(body, defaultType: .textPlain, depth: depth + 1,
                                           path: path.isEmpty ? "1" : "\(path).1", embedded: true))
            return part
        }
        leaf(&part, body, embedded: embedded)
        return part
    }

    /// Splits a multipart body into child parts. Without a usable boundary, or when no delimiter
    /// line appears, the body is kept as text: a broken multipart must not hide its text.
    mutating func parseMultipart(_ part: inout MIMEPart, _ body: Range<Int>, depth: Int) {
        let ct = part.contentType
        guard let boundary = ct.parameters["boundary"], !boundary.isEmpty, boundary.utf8.count <= 200 else {
            defects.append(Defect(.MIME_NO_BOUNDARY, part.path))
            part.contentType = ContentType(type: "text", subtype: "plain", parameters: ct.parameters)
            leaf(&part, body, embedded: part.embedded)
            return
        }
        let ranges = splitMultipart(body, boundary: Array(boundary.utf8), path: part.path)
        if ranges.isEmpty {
            defects.append(Defect(.MIME_NO_PARTS, part.path))
            part.contentType = ContentType(type: "text", subtype: "plain", parameters: ct.parameters)
            leaf(&part, body, embedded: part.embedded)
            return
        }
        let childDefault = ct.subtype == "digest" ? ContentType(type: "message", subtype: "rfc822") : .textPlain
        var childTextRanges: [Range<Int>] = []
        for (k, r) in ranges.enumerated() {
            if partCount >= limits.maxMimeParts {
                defects.append(Defect(.MIME_PARTS_LIMIT, String(limits.maxMimeParts)))
                break
            }
            let before = texts.count
            let childPath = part.path.isEmpty ? "\(k + 1)" : "\(part.path).\(k + 1)"
            part.children.append(parsePart(r, defaultType: childDefault, depth: depth + 1, path: childPath,
                                           embedded: part.embedded))
            childTextRanges.append(before..<texts.count)
        }
        if ct.subtype == "alternative" { preferPlain(childTextRanges) }
    }

    /// In multipart/alternative, keep the plain text when one alternative has it, and an HTML
    /// alternative only when it says something the plain one does not (an attacker can pair a
    /// harmless plain part with an HTML part carrying the request).
    mutating func preferPlain(_ ranges: [Range<Int>]) {
        let hasPlain = ranges.contains { r in r.contains { !texts[$0].isHTML } }
        guard hasPlain, let lo = ranges.first?.lowerBound, let hi = ranges.last?.upperBound, lo < hi else { return }
        var plainWords = Set<Substring>()
        for t in texts[lo..<hi] where !t.isHTML { plainWords.formUnion(Self.words(t.text)) }
        let keep = texts[lo..<hi].filter { t in
            !t.isHTML || Self.words(t.text).subtracting(plainWords).count >= 8
        }
        texts.replaceSubrange(lo..<hi, with: keep)
    }

    static func words(_ s: String) -> Set<Substring> {
        Set(s.prefix(200_000).split(whereSeparator: { !$0.isLetter }).filter { $0.count > 2 }.map { Substring($0.lowercased()) })
    }

    mutating func leaf(_ part: inout MIMEPart, _ body: Range<Int>, embedded: Bool) {
        let ct = part.contentType
        let isAttachment = part.disposition == "attachment" || (part.filename != nil && ct.type != "text")
        let isText = ct.type == "text" && (ct.subtype == "plain" || ct.subtype == "html") && part.disposition != "attachment"
        switch part.transferEncoding {
        case "7bit", "8bit", "binary", "base64", "quoted-printable", "": break
        default: defects.append(Defect(.UNKNOWN_TRANSFER_ENCODING, String(part.transferEncoding.prefix(40))))
        }
        if isText && !embedded {
            addText(&part, body)
        } else if part.transferEncoding == "base64" {
            part.decodedSize = TransferDecoding.base64DecodedSize(bytes[body])
        }
        if isAttachment || (!isText && ct.type != "text" && !ct.isMultipart && ct.type != "message") {
            attachments.append(Attachment(filename: part.filename ?? "", contentType: ct.mimeType,
                                          size: part.decodedSize, path: part.path))
        }
    }

    /// Decodes a text/plain or text/html leaf into `texts` (and `hidden`).
    mutating func addText(_ part: inout MIMEPart, _ body: Range<Int>) {
        let decoded = decodeTransfer(body, encoding: part.transferEncoding, path: part.path)
        part.decodedSize = decoded.count
        var text = decodeCharset(decoded, declared: part.contentType.charset, path: part.path)
        if text.withUTF8({ $0.contains(0) }) {
            defects.append(Defect(.NUL_IN_BODY, part.path))
            text = String(decoding: text.utf8.filter { $0 != 0 }, as: UTF8.self)  // NUL is one byte in UTF-8
        }
        if part.contentType.subtype == "html" {
            let r = HTMLText.convert(text, limit: limits.maxDecodedBytes)
            if !r.hidden.isEmpty {
                defects.append(Defect(.HTML_HIDDEN_TEXT, part.path))
                hidden.append(r.hidden)
            }
            texts.append(TextChunk(text: r.visible, isHTML: true))
        } else {
            // Detectors see one line end, whatever the transport used.
            texts.append(TextChunk(text: Self.normalizeLineEnds(text), isHTML: false))
        }
    }

    /// Converts decoded body bytes to text in the declared charset (or a guess for undeclared 8-bit).
    mutating func decodeCharset(_ decoded: [UInt8], declared: String?, path: String) -> String {
        var charset = declared
        if charset == nil, !Charsets.isASCII(decoded) {
            defects.append(Defect(.UNDECLARED_8BIT, path))
            charset = "unknown-8bit"
        }
        let (text, known) = Charsets.decode(decoded, charset: charset, services: services)
        if !known {
            defects.append(Defect(.UNKNOWN_CHARSET, String((charset ?? "").prefix(40))))
        } else if let declared, Charsets.hasInvalidData(decoded, charset: declared, text: text) {
            defects.append(Defect(.INVALID_CHARSET_DATA, path))
        }
        return text
    }

    /// CRLF and lone CR become LF.
    static func normalizeLineEnds(_ s: String) -> String {
        var s = s
        return s.withUTF8 { u -> String? in
            guard u.contains(0x0D) else { return nil }
            var out = [UInt8]()
            out.reserveCapacity(u.count)
            var prevCR = false
            for b in u {
                if b == 0x0A && prevCR { prevCR = false; continue }
                prevCR = b == 0x0D
                out.append(prevCR ? 0x0A : b)
            }
            return String(decoding: out, as: UTF8.self)
        } ?? s
    }

    mutating func decodeTransfer(_ body: Range<Int>, encoding: String, path: String) -> [UInt8] {
        let budget = max(0, limits.maxDecodedBytes - decodedBytes)
        var out: TransferDecoding.Output
        switch encoding {
        case "base64":
            out = TransferDecoding.base64(bytes[body], limit: budget)
            if out.junk { defects.append(Defect(.BASE64_JUNK, path)) }
            if out.badPadding { defects.append(Defect(.BASE64_BAD_PADDING, path)) }
        case "quoted-printable":
            out = TransferDecoding.quotedPrintable(bytes[body], limit: budget)
            if out.badEscape { defects.append(Defect(.QP_BAD_ESCAPE, path)) }
        default:
            let n = min(body.count, budget)
            out = TransferDecoding.Output(bytes: Array(bytes[body.lowerBound..<(body.lowerBound + n)]), truncated: n < body.count)
        }
        if out.truncated { defects.append(Defect(.DECODED_SIZE_LIMIT, path)) }
        decodedBytes += out.bytes.count
        return out.bytes
    }

    /// Finds the body-part ranges between boundary delimiter lines.
    mutating func splitMultipart(_ body: Range<Int>, boundary: [UInt8], path: String) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var partStart: Int? = nil
        var i = body.lowerBound
        let end = body.upperBound
        var closed = false
        while i < end {
            let line = HeaderParser.lineEnd(bytes, i, end)
            if line.contentEnd - i >= boundary.count + 2, bytes[i] == 0x2D, bytes[i + 1] == 0x2D,
               bytes[(i + 2)..<(i + 2 + boundary.count)].elementsEqual(boundary) {
                var j = i + 2 + boundary.count
                let isClose = j + 2 <= line.contentEnd && bytes[j] == 0x2D && bytes[j + 1] == 0x2D
                if isClose { j += 2 }
                var onlySpace = true
                while j < line.contentEnd { if bytes[j] != 0x20 && bytes[j] != 0x09 { onlySpace = false; break }; j += 1 }
                if onlySpace {
                    if let s = partStart { ranges.append(s..<precedingLineBreak(i, floor: s)) }
                    if isClose { closed = true; partStart = nil; break }
                    partStart = line.next
                }
            }
            i = line.next
        }
        if let s = partStart, !closed {
            defects.append(Defect(.MIME_MISSING_CLOSE_BOUNDARY, path))
            ranges.append(s..<end)
        }
        return ranges
    }

    /// The index of the line break (CRLF or LF) just before `i`, which belongs to the delimiter.
    func precedingLineBreak(_ i: Int, floor: Int) -> Int {
        var e = i
        if e > floor, bytes[e - 1] == 0x0A { e -= 1 }
        if e > floor, bytes[e - 1] == 0x0D { e -= 1 }
        return e
    }
}
