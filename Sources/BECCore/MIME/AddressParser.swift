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
        var state = ListState()
        var i = 0
        while i < tokens.count {
            let t = tokens[i]
            switch t {
            case .special(","):
                finish(&state, defects: &defects)
            case .special(":") where state.angle == nil && state.group == nil && !state.current.contains(.special("@")):
                state.group = phraseText(state.current, defects: &defects)
                state.current = []
            case .special(";") where state.group != nil:
                finish(&state, defects: &defects)
                state.group = nil
            case .special("<"):
                let spec = angleSpec(tokens, from: &i)
                if state.angle == nil { state.angle = spec }
            default:
                if state.angle == nil { state.current.append(t) }
            }
            i += 1
        }
        finish(&state, defects: &defects)
        if let o = state.orphanPhrase {
            defects.append(Defect(.ADDRESS_UNPARSABLE, String(o.prefix(80))))
            state.out.append(MailAddress(displayName: o, localPart: "", domain: "", group: state.group))
        }
        return state.out
    }

    /// The state of one address list being parsed.
    struct ListState {
        var out: [MailAddress] = []
        /// Tokens of the mailbox being read, outside its angle brackets.
        var current: [Token] = []
        var angle: [Token]? = nil
        var group: String? = nil
        /// An unquoted "Last," waiting to be joined to the next mailbox's display name.
        var orphanPhrase: String? = nil
        var limitNoted = false
    }

    /// Ends the mailbox collected so far (at ",", ";" or the end of the value).
    func finish(_ s: inout ListState, defects: inout [Defect]) {
        defer { s.current = []; s.angle = nil }
        if s.out.count >= maxAddresses {
            // Noted once with a flag: searching the defect list per extra address is quadratic.
            if !s.limitNoted { defects.append(Defect(.ADDRESS_COUNT_LIMIT, String(maxAddresses))) }
            s.limitNoted = true
            return
        }
        var phrase = phraseText(s.current, defects: &defects)
        if let a = s.angle {
            // Comments beside the phrase ("Priya Raman (Jira) <jira@...>") are not part of the RFC
            // display name, but mail clients show them, so detectors must see them too.
            let comments = s.current.compactMap { if case .comment(let c) = $0, !c.isEmpty { decodeWords(c, defects: &defects) } else { nil } }
            if !comments.isEmpty { phrase = ([phrase].filter { !$0.isEmpty } + comments.map { "(\($0))" }).joined(separator: " ") }
            if let o = s.orphanPhrase { phrase = phrase.isEmpty ? o : "\(o), \(phrase)"; s.orphanPhrase = nil }
            s.out.append(mailbox(display: phrase, spec: a, group: s.group, defects: &defects))
            return
        }
        finishBare(&s, phrase: phrase, defects: &defects)
    }

    /// Ends a mailbox without angle brackets: an addr-spec, where a comment stands in for the
    /// display name, or a lone phrase kept for the next mailbox ("Okafor, Margaret <m@x>").
    func finishBare(_ s: inout ListState, phrase: String, defects: inout [Defect]) {
        let words = s.current.filter { if case .comment = $0 { false } else { true } }
        if words.isEmpty { return }
        if !words.contains(.special("@")) {
            if s.orphanPhrase == nil, words.allSatisfy({ if case .word = $0 { true } else { false } }) {
                s.orphanPhrase = phrase
                return
            }
            defects.append(Defect(.ADDRESS_UNPARSABLE, String(phrase.prefix(80))))
        }
        let comment = s.current.compactMap { if case .comment(let c) = $0 { c } else { nil } }.last ?? ""
        var display = comment.isEmpty ? "" : decodeWords(comment, defects: &defects)
        if let o = s.orphanPhrase { display = o; s.orphanPhrase = nil }
        s.out.append(mailbox(display: display, spec: words, group: s.group, defects: &defects))
    }

    /// The addr-spec tokens of the angle-addr opened at `tokens[i]`; leaves `i` on its ">".
    func angleSpec(_ tokens: [Token], from i: inout Int) -> [Token] {
        var spec: [Token] = []
        i += 1
        while i < tokens.count, tokens[i] != .special(">") {
            if case .comment = tokens[i] {} else { spec.append(tokens[i]) }
            i += 1
        }
        // obs-route "@a,@b:" before the addr-spec is dropped.
        if let colon = spec.lastIndex(of: .special(":")) { spec.removeSubrange(...colon) }
        return spec
    }

    /// Whether an address-list value uses group syntax (`name: [list] ;`), even an empty group.
    public func containsGroup(_ value: String) -> Bool {
        var inAngle = false
        var sawAt = false
        for t in tokenize(value) {
            switch t {
            case .special("<"): inAngle = true
            case .special(">"): inAngle = false
            case .special("@"): sawAt = true
            case .special(","): sawAt = false
            case .special(":") where !inAngle && !sawAt: return true
            default: continue
            }
        }
        return false
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
                tokens.append(.word(Self.quoted(s, &i), quoted: true, space: space))
            case "(":
                tokens.append(.comment(Self.comment(s, &i)))
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

    /// The content of the quoted-string opened at `s[i]`, escapes removed; leaves `i` after it.
    static func quoted(_ s: [Unicode.Scalar], _ i: inout Int) -> String {
        var w = String.UnicodeScalarView()
        i += 1
        while i < s.count, s[i] != "\"" {
            if s[i] == "\\", i + 1 < s.count { i += 1 }
            if s[i] != "\r" && s[i] != "\n" { w.append(s[i]) }
            i += 1
        }
        i += 1
        return String(w)
    }

    /// The content of the (nested) comment opened at `s[i]`, trimmed; leaves `i` after it.
    static func comment(_ s: [Unicode.Scalar], _ i: inout Int) -> String {
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
        return String(w).trimmingSpaces()
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
