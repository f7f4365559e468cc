/// Turns raw RFC 5322 bytes into a `Message`. Total: any input gives a best-effort message
/// plus defects, in time and memory bounded by `Limits`.
public struct MessageParser: Sendable {
    public var limits: Limits
    public var services: any UnicodeServices

    public init(limits: Limits = Limits(), services: any UnicodeServices) {
        self.limits = limits
        self.services = services
    }

    public func parse(_ input: [UInt8], envelope: Envelope = Envelope()) -> Message {
        var defects: [Defect] = []
        let total = min(input.count, limits.maxMessageBytes)
        if total < input.count { defects.append(Defect(.MESSAGE_TRUNCATED, String(limits.maxMessageBytes))) }
        let (raw, bodyStart) = HeaderParser.split(input, 0..<total, limits: limits, defects: &defects)
        let fields = raw.map { HeaderParser.field($0, input, limits: limits, services: services, defects: &defects) }
        let headers = HeaderSection(fields)
        let addresses = AddressParser(services: services, maxAddresses: limits.maxAddresses, maxEncodedWords: limits.maxEncodedWords)

        func list(_ name: String) -> [MailAddress] {
            headers.all(name).flatMap { addresses.parseList($0.value, defects: &defects) }
        }
        let fromFields = headers.all("from")
        let from = list("from")
        if fromFields.isEmpty { defects.append(Defect(.MISSING_FROM)) }
        if fromFields.count > 1 { defects.append(Defect(.MULTIPLE_FROM_HEADERS, String(fromFields.count))) }
        if from.count > 1 { defects.append(Defect(.FROM_MULTIPLE_ADDRESSES, String(from.count))) }
        if from.contains(where: { $0.group != nil }) { defects.append(Defect(.FROM_GROUP)) }
        if !fromFields.isEmpty && (from.isEmpty || from.allSatisfy({ $0.localPart.isEmpty })) { defects.append(Defect(.FROM_EMPTY)) }

        var returnPath: MailAddress? = nil
        if let rp = headers.first("return-path") {
            let v = rp.value.trimmingSpaces()
            returnPath = (v == "<>" || v.isEmpty) ? MailAddress(localPart: "", domain: "")
                : addresses.parseMailbox(v, defects: &defects)
        }
        let sender = headers.first("sender").flatMap { addresses.parseMailbox($0.value, defects: &defects) }

        var auth: [AuthenticationResults] = []
        for (idx, f) in headers.fields.enumerated() where f.key == "authentication-results" {
            if let a = AuthenticationResultsParser.parse(f.value, index: idx, defects: &defects) { auth.append(a) }
        }

        var mime = MIMEParser(bytes: input, limits: limits, services: services)
        let ct = ContentTypeParser.contentType(headers.first("content-type")?.value, services: services, defects: &defects) ?? .textPlain
        let root = mime.parseBody(bodyStart..<total, headers: headers, contentType: ct, depth: 0, path: "", embedded: false)
        defects += mime.defects

        var text = mime.texts.map(\.text).joined(separator: "\n")
        if text.utf8.count > limits.maxTextBytes {
            defects.append(Defect(.TEXT_TRUNCATED, String(limits.maxTextBytes)))
            text = Self.prefix(text, utf8Bytes: limits.maxTextBytes)
        }
        let hidden = Self.prefix(mime.hidden.joined(separator: "\n"), utf8Bytes: limits.maxTextBytes)

        return Message(
            headers: headers, from: from, sender: sender, replyTo: list("reply-to"), to: list("to"), cc: list("cc"),
            returnPath: returnPath, subject: headers.first("subject")?.decoded ?? "",
            messageID: headers.first("message-id").flatMap { Self.msgIDs($0.value).first },
            inReplyTo: headers.first("in-reply-to").map { Self.msgIDs($0.value) } ?? [],
            references: headers.first("references").map { Self.msgIDs($0.value) } ?? [],
            root: root, text: text, hiddenText: hidden, attachments: mime.attachments,
            authenticationResults: auth, defects: Self.dedupe(defects), envelope: envelope, size: input.count)
    }

    /// `<id>` tokens of a msg-id list, at most 100.
    static func msgIDs(_ v: String) -> [String] {
        var out: [String] = []
        var cur: String? = nil
        for c in v {
            if c == "<" { cur = "" } else if c == ">" { if let s = cur, !s.isEmpty { out.append(s) }; cur = nil } else if cur != nil { cur?.append(c) }
            if out.count >= 100 { break }
        }
        return out
    }

    /// The longest prefix of `s` of at most `n` UTF-8 bytes, on a character boundary.
    static func prefix(_ s: String, utf8Bytes n: Int) -> String {
        if s.utf8.count <= n { return s }
        let idx = s.utf8.index(s.utf8.startIndex, offsetBy: n)
        return String(s[..<s.rangeOfCharacterBoundary(before: idx)])
    }

    /// Keeps the first occurrence of each defect (same code and detail), at most 200.
    static func dedupe(_ d: [Defect]) -> [Defect] {
        var seen = Set<Defect>()
        var out: [Defect] = []
        for x in d where seen.insert(x).inserted {
            out.append(x)
            if out.count >= 200 { break }
        }
        return out
    }
}

extension String {
    /// The last Character boundary at or before the UTF-8 index `i`.
    func rangeOfCharacterBoundary(before i: String.Index) -> String.Index {
        var j = i
        while j > startIndex, String.Index(j, within: self) == nil { j = utf8.index(before: j) }
        return String.Index(j, within: self) ?? startIndex
    }
}
