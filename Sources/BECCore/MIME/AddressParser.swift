/// RFC 5322 §3.4 address lists, leniently:
///
///     address-list = address *("," address)
///     address      = mailbox / group
///     group        = display-name ":" [group-list] ";"
///     mailbox      = name-addr / addr-spec
///     name-addr    = [display-name] angle-addr
///     angle-addr   = "<" [obs-route] addr-spec ">"
///
/// Quoted strings, escapes, nested comments and obsolete phrases (with ".") are accepted;
/// a comment stands in for a missing display name; an unquoted "Last, First <addr>" is joined
/// back into one display name; IDN domains are converted both ways.
public struct AddressParser: Sendable {
    public var services: any UnicodeServices
    public var maxAddresses: Int
    public var maxEncodedWords: Int

    public init(services: any UnicodeServices, maxAddresses: Int = 1000, maxEncodedWords: Int = 128) {
        self.services = services
        self.maxAddresses = maxAddresses
        self.maxEncodedWords = maxEncodedWords
    }

    enum Token: Equatable {
        case word(String, quoted: Bool, space: Bool)
        case comment(String)
        case special(Unicode.Scalar)
        case literal(String)
    }

    /// Parses an address-list header value. Defects are appended; never fails.
    public func parseList(_ value: String, defects: inout [Defect]) -> [MailAddress] {
        let tokens = tokenize(value)
        var out: [MailAddress] = []
        var current: [Token] = []
        var angle: [Token]? = nil
        var group: String? = nil
        var orphanPhrase: String? = nil
        var i = 0

        func finish() {
            defer { current = []; angle = nil }
            if out.count >= maxAddresses {
                if !defects.contains(Defect(.ADDRESS_COUNT_LIMIT, String(maxAddresses))) {
                    defects.append(Defect(.ADDRESS_COUNT_LIMIT, String(maxAddresses)))
                }
                return
            }
            var phrase = phraseText(current, defects: &defects)
            if let a = angle {
                if let o = orphanPhrase { phrase = phrase.isEmpty ? o : "\(o), \(phrase)"; orphanPhrase = nil }
                out.append(mailbox(display: phrase, spec: a, group: group, defects: &defects))
                return
            }
            let words = current.filter { if case .comment = $0 { false } else { true } }
            if words.isEmpty { return }
            if !words.contains(.special("@")) {
                // "Okafor, Margaret <m@x>" unquoted: keep the phrase for the next mailbox.
                if orphanPhrase == nil, words.allSatisfy({ if case .word = $0 { true } else { false } }) {
                    orphanPhrase = phrase
                    return
                }
                defects.append(Defect(.ADDRESS_UNPARSABLE, String(phrase.prefix(80))))
            }
            let comment = current.compactMap { if case .comment(let c) = $0 { c } else { nil } }.last ?? ""
            var display = comment.isEmpty ? "" : decodeWords(comment, defects: &defects)
            if let o = orphanPhrase { display = o; orphanPhrase = nil }
            out.append(mailbox(display: display, spec: words, group: group, defects: &defects))
        }

        while i < tokens.count {
            let t = tokens[i]
            switch t {
            case .special(","):
                finish()
            case .special(":") where angle == nil && group == nil && !current.contains(.special("@")):
                group = phraseText(current, defects: &defects)
                current = []
            case .special(";") where group != nil:
                finish()
                group = nil
            case .special("<"):
                var spec: [Token] = []
                i += 1
                while i < tokens.count, tokens[i] != .special(">") {
                    if case .comment = tokens[i] {} else { spec.append(tokens[i]) }
                    i += 1
                }
                // obs-route "@a,@b:" before the addr-spec is dropped.
                if let colon = spec.lastIndex(of: .special(":")) { spec.removeSubrange(...colon) }
                if angle == nil { angle = spec }
            default:
                if angle == nil { current.append(t) }
            }
            i += 1
        }
        finish()
        if let o = orphanPhrase {
            defects.append(Defect(.ADDRESS_UNPARSABLE, String(o.prefix(80))))
            out.append(MailAddress(displayName: o, localPart: "", domain: "", group: group))
        }
        return out
    }

    /// Parses a single mailbox value (Sender, Return-Path).
    public func parseMailbox(_ value: String, defects: inout [Defect]) -> MailAddress? {
        parseList(value, defects: &defects).first
    }

    func phraseText(_ tokens: [Token], defects: inout [Defect]) -> String {
        var s = ""
        var sawQuotedWord = false
        for t in tokens {
            switch t {
            case .word(let w, let quoted, let space):
                if !s.isEmpty && space { s += " " }
                s += w
                if quoted && w.contains("=?") { sawQuotedWord = true }
            case .special(let c) where c != "<" && c != ">":
                s.unicodeScalars.append(c)
            case .literal(let l):
                s += "[\(l)]"
            default:
                continue
            }
        }
        if sawQuotedWord { defects.append(Defect(.ENCODED_WORD_IN_QUOTED_STRING)) }
        return decodeWords(s, defects: &defects).trimmingSpaces()
    }

    func decodeWords(_ s: String, defects: inout [Defect]) -> String {
        EncodedWords.decode(s, services: services, maxWords: maxEncodedWords, defects: &defects)
    }

    func mailbox(display: String, spec: [Token], group: String?, defects: inout [Defect]) -> MailAddress {
        var local = ""
        var domain = ""
        var inDomain = false
        for t in spec {
            switch t {
            case .special("@") where !inDomain: inDomain = true
            case .word(let w, _, _): if inDomain { domain += w } else { local += w }
            case .special(let c): if inDomain { domain.unicodeScalars.append(c) } else { local.unicodeScalars.append(c) }
            case .literal(let l): if inDomain { domain += "[\(l)]" }
            case .comment: continue
            }
        }
        if !inDomain && !local.isEmpty { defects.append(Defect(.ADDRESS_NO_DOMAIN, String(local.prefix(80)))) }
        while domain.hasSuffix(".") { domain.removeLast() }
        let (unicode, ascii) = idn(domain.lowercased(), defects: &defects)
        return MailAddress(displayName: display, localPart: local, domain: unicode, asciiDomain: ascii, group: group)
    }

    /// Returns (Unicode form, ASCII form) of a domain; invalid IDNA keeps the name as written.
    func idn(_ domain: String, defects: inout [Defect]) -> (String, String) {
        if domain.isEmpty || domain.hasPrefix("[") { return (domain, domain) }
        let isASCII = domain.unicodeScalars.allSatisfy(\.isASCII)
        if isASCII && !domain.contains("xn--") { return (domain, domain) }
        if isASCII {
            guard let u = services.idnaToUnicode(domain) else {
                defects.append(Defect(.IDN_INVALID, domain))
                return (domain, domain)
            }
            return (u.lowercased(), domain)
        }
        guard let a = services.idnaToASCII(domain) else {
            defects.append(Defect(.IDN_INVALID, domain))
            return (domain, domain)
        }
        return (domain, a.lowercased())
    }

    /// Splits a header value into RFC 5322 lexical tokens.
    func tokenize(_ value: String) -> [Token] {
        let s = Array(value.unicodeScalars)
        var tokens: [Token] = []
        var i = 0
        var space = false
        while i < s.count {
            let c = s[i]
            switch c {
            case " ", "\t", "\r", "\n":
                space = true
                i += 1
                continue
            case "\"":
                var w = String.UnicodeScalarView()
                i += 1
                while i < s.count, s[i] != "\"" {
                    if s[i] == "\\", i + 1 < s.count { i += 1 }
                    if s[i] != "\r" && s[i] != "\n" { w.append(s[i]) }
                    i += 1
                }
                i += 1
                tokens.append(.word(String(w), quoted: true, space: space))
            case "(":
                var depth = 1
                var w = String.UnicodeScalarView()
                i += 1
                while i < s.count, depth > 0 {
                    if s[i] == "\\", i + 1 < s.count { i += 1; w.append(s[i]); i += 1; continue }
                    if s[i] == "(" { depth += 1 } else if s[i] == ")" { depth -= 1; if depth == 0 { break } }
                    w.append(s[i])
                    i += 1
                }
                i += 1
                tokens.append(.comment(String(w).trimmingSpaces()))
            case "[":
                var w = String.UnicodeScalarView()
                i += 1
                while i < s.count, s[i] != "]" { w.append(s[i]); i += 1 }
                i += 1
                tokens.append(.literal(String(w)))
            case "<", ">", ",", ":", ";", "@":
                tokens.append(.special(c))
                i += 1
            case ")", "]":
                i += 1
                continue
            default:
                var w = String.UnicodeScalarView()
                while i < s.count, !Self.isDelimiter(s[i]) { w.append(s[i]); i += 1 }
                tokens.append(.word(String(w), quoted: false, space: space))
            }
            space = false
        }
        return tokens
    }

    static func isDelimiter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case " ", "\t", "\r", "\n", "\"", "(", ")", "[", "]", "<", ">", ",", ":", ";", "@": true
        default: false
        }
    }
}

extension StringProtocol {
    /// Trims ASCII whitespace at both ends.
    func trimmingSpaces() -> String {
        var sub = self[...]
        while let f = sub.first, f == " " || f == "\t" || f == "\r" || f == "\n" { sub = sub.dropFirst() }
        while let l = sub.last, l == " " || l == "\t" || l == "\r" || l == "\n" { sub = sub.dropLast() }
        return String(sub)
    }
}
