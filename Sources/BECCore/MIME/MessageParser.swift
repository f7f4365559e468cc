/// Turns raw RFC 5322 bytes into a `Message`. Total: any input gives a best-effort message
/// plus defects, in time and memory bounded by `Limits`.
public struct MessageParser: Sendable {
    public var limits: Limits
    public var services: any UnicodeServices

    public init(limits: Limits = Limits(), services: any UnicodeServices) {
        self.limits = limits
        self.services = services
    }

    /// Parses one message. `envelope` is carried into the result as given.
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
        let from = list("from")
        defects += Self.fromDefects(headers.all("from"), from, addresses)
        let returnPath = headers.first("return-path").flatMap { Self.returnPath($0, addresses, defects: &defects) }
        let sender = headers.first("sender").flatMap { addresses.parseMailbox($0.value, defects: &defects) }

        var auth: [AuthenticationResults] = []
        for (idx, f) in headers.fields.enumerated() where f.key == "authentication-results" {
            if let a = AuthenticationResultsParser.parse(f.value, index: idx, defects: &defects) { auth.append(a) }
        }

        var mime = MIMEParser(bytes: input, limits: limits, services: services)
        let ct = ContentTypeParser.contentType(headers.first("content-type")?.value, services: services, defects: &defects) ?? .textPlain
        let root = mime.parseBody(bodyStart..<total, headers: headers, contentType: ct, depth: 0, path: "", embedded: false)
        defects += mime.defects

        let (text, hidden) = bodyText(mime, defects: &defects)
        return Message(
            headers: headers, from: from, sender: sender, replyTo: list("reply-to"), to: list("to"), cc: list("cc"),
            returnPath: returnPath, subject: headers.first("subject")?.decoded ?? "",
            messageID: headers.first("message-id").flatMap { Self.msgIDs($0.value).first },
            inReplyTo: headers.first("in-reply-to").map { Self.msgIDs($0.value) } ?? [],
            references: headers.first("references").map { Self.msgIDs($0.value) } ?? [],
            root: root, text: text, hiddenText: hidden, attachments: mime.attachments,
            authenticationResults: auth, defects: Self.dedupe(defects), envelope: envelope, size: input.count)
    }

    /// What is wrong with the From fields: none, several, several mailboxes, a group, no address.
    static func fromDefects(_ fields: [HeaderField], _ from: [MailAddress], _ addresses: AddressParser) -> [Defect] {
        var defects: [Defect] = []
        if fields.isEmpty { defects.append(Defect(.MISSING_FROM)) }
        if fields.count > 1 { defects.append(Defect(.MULTIPLE_FROM_HEADERS, String(fields.count))) }
        if from.count > 1 { defects.append(Defect(.FROM_MULTIPLE_ADDRESSES, String(from.count))) }
        // An empty group ("undisclosed-recipients:;") yields no mailbox but is a group all the same.
        if from.contains(where: { $0.group != nil }) || fields.contains(where: { addresses.containsGroup($0.value) }) {
            defects.append(Defect(.FROM_GROUP))
        }
        if !fields.isEmpty && from.allSatisfy({ $0.localPart.isEmpty }) { defects.append(Defect(.FROM_EMPTY)) }
        return defects
    }

    /// The Return-Path address; the null path `<>` is an address with an empty local part.
    static func returnPath(_ field: HeaderField, _ addresses: AddressParser, defects: inout [Defect]) -> MailAddress? {
        let v = field.value.trimmingSpaces()
        if v == "<>" || v.isEmpty { return MailAddress(localPart: "", domain: "") }
        return addresses.parseMailbox(v, defects: &defects)
    }

    /// The visible text of the text parts, within `maxTextBytes`, and the hidden text.
    func bodyText(_ mime: MIMEParser, defects: inout [Defect]) -> (String, String) {
        var text = mime.texts.map(\.text).joined(separator: "\n")
        if text.utf8.count > limits.maxTextBytes {
            defects.append(Defect(.TEXT_TRUNCATED, String(limits.maxTextBytes)))
            text = Self.prefix(text, utf8Bytes: limits.maxTextBytes)
        }
        return (text, Self.prefix(mime.hidden.joined(separator: "\n"), utf8Bytes: limits.maxTextBytes))
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

    /// The longest prefix of `s` of at most `n` UTF-8 bytes, on a Unicode scalar boundary.
    /// (Not a grapheme boundary: finding one is unbounded work on a cluster of thousands of
    /// combining marks; a cut cluster is harmless to the detectors.)
    static func prefix(_ s: String, utf8Bytes n: Int) -> String {
        let utf8 = s.utf8
        if utf8.count <= n { return s }
        var end = utf8.index(utf8.startIndex, offsetBy: max(0, n))
        // Step back over UTF-8 continuation bytes (at most three).
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(decoding: utf8[..<end], as: UTF8.self)
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
