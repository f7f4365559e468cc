/// Payment and pressure language from the lexicons in models/: phrase families (wire, bank
/// change, gift cards, urgency, secrecy, first touch, payroll, tax forms, invoices, ...) in
/// several languages, each family a finding symbol. Text is normalized first (case, accents,
/// compatibility letters, invisible characters, confusables inside mixed-script words), so
/// "wіre trаnsfer" with Cyrillic letters still matches.
///
/// Phrase syntax: words separated by spaces; `word*` matches any word starting with `word`;
/// `~` matches up to three arbitrary words.
public struct PaymentLanguageDetector: Detector {
    public static let info = DetectorInfo(
        id: "payment_language",
        summary: "Payment, pressure and data-request language from the lexicons (per family, per language).",
        symbols: [
            SymbolInfo("LANG_WIRE_TRANSFER", group: "language", "asks for a wire, transfer or payment"),
            SymbolInfo("LANG_BANK_CHANGE", group: "language", "changes bank details or adds a new beneficiary"),
            SymbolInfo("LANG_GIFT_CARD", group: "language", "gift cards, vouchers, photos of codes"),
            SymbolInfo("LANG_URGENCY", group: "language", "pressure of time"),
            SymbolInfo("LANG_SECRECY", group: "language", "asks for secrecy or discourages verification"),
            SymbolInfo("LANG_FIRST_TOUCH", group: "language", "availability probe or favour opener (\"are you at your desk?\")"),
            SymbolInfo("LANG_PAYROLL", group: "language", "payroll or direct deposit change"),
            SymbolInfo("LANG_TAX_PII", group: "language", "W-2, P60, tax forms or employee records requested"),
            SymbolInfo("LANG_INVOICE", group: "language", "invoices, statements, overdue payments"),
            SymbolInfo("LANG_OFF_CHANNEL", group: "language", "moves the conversation to phone, text or WhatsApp"),
            SymbolInfo("LANG_CONFIDENTIAL_DEAL", group: "language", "confidential acquisition, legal matter or escrow"),
            SymbolInfo("LANG_VERIFIED_CALLBACK", group: "language", "tells the reader to verify by calling a known number (a legitimate process; negative weight)"),
        ],
        triggering: [
            DetectorExample("From: a <a@example.com>\nSubject: x\n\nPlease buy Apple gift cards and send me photos of the codes.", fires: ["LANG_GIFT_CARD"]),
            DetectorExample("From: a <a@example.com>\nSubject: x\n\nI need a w\u{0456}re tr\u{0430}nsfer today.", fires: ["LANG_WIRE_TRANSFER"]),
            DetectorExample("From: a <a@example.com>\nSubject: x\n\nBitte beachten Sie unsere neue Bankverbindung.", fires: ["LANG_BANK_CHANGE"]),
            DetectorExample("From: a <a@example.com>\nSubject: x\n\nAre you at your desk?", fires: ["LANG_FIRST_TOUCH"]),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@example.com>\nSubject: lunch\n\nSee you at noon for lunch."),
        ])

    /// One phrase word: exact, a prefix (`word*`), or a gap (`~`, up to three words).
    enum Token: Sendable, Equatable {
        case exact(String)
        case prefix(String)
        case gap
    }

    struct Phrase: Sendable {
        var symbol: String
        var language: String
        var text: String
        var tokens: [Token]
    }

    let phrases: [Phrase]
    let byFirst: [String: [Int]]
    /// Phrases starting with a prefix token, indexed by the prefix's first two characters.
    let prefixFirst: [String: [(String, Int)]]
    let services: any UnicodeServices
    /// A filter in front of both lookups: the first two UTF-8 bytes of every key (one byte for a
    /// one-byte word), and whether all keys are ASCII. Text words are folded (lowercase, NFKC)
    /// like the keys, so an ASCII key only equals a word with its exact bytes, and a word that
    /// starts with a non-ASCII byte cannot equal or start with an all-ASCII key.
    let firstPairs: [Bool]
    let firstSingles: [Bool]
    let asciiKeys: Bool

    public init(policy: Policy, services: any UnicodeServices) {
        self.services = services
        var p: [Phrase] = []
        for fam in policy.lexicon.families {
            for text in fam.phrases {
                let toks = Self.tokens(text, services: services)
                if let first = toks.first, first != .gap { p.append(Phrase(symbol: fam.symbol, language: fam.language, text: text, tokens: toks)) }
            }
        }
        phrases = p
        var idx: [String: [Int]] = [:]
        var pre: [String: [(String, Int)]] = [:]
        for (i, ph) in p.enumerated() {
            switch ph.tokens[0] {
            case .exact(let w): idx[w, default: []].append(i)
            case .prefix(let w): pre[String(w.prefix(2)), default: []].append((w, i))
            case .gap: break
            }
        }
        byFirst = idx
        prefixFirst = pre
        var pairs = [Bool](repeating: false, count: 1 << 16), singles = [Bool](repeating: false, count: 256)
        var ascii = true
        for k in Array(idx.keys) + Array(pre.keys) {
            let u = Array(k.utf8)
            if u.contains(where: { $0 >= 0x80 }) { ascii = false }
            if u.count >= 2 { pairs[Int(u[0]) << 8 | Int(u[1])] = true } else if let b = u.first { singles[Int(b)] = true }
        }
        firstPairs = pairs
        firstSingles = singles
        asciiKeys = ascii
    }

    /// False when no phrase can start at word `w` (see `firstPairs`).
    @inline(__always) func mayStart(_ w: String) -> Bool {
        let u = w.utf8
        guard let b0 = u.first else { return true }
        if asciiKeys && b0 >= 0x80 { return false }
        if u.count == 1 { return firstSingles[Int(b0)] }
        return firstPairs[Int(b0) << 8 | Int(u[u.index(after: u.startIndex)])]
    }

    /// A phrase word may normalize to several words ("w-2" -> w 2): expand, keeping a trailing
    /// "*" on the last one.
    static func tokens(_ text: String, services: any UnicodeServices) -> [Token] {
        var toks: [Token] = []
        for t in text.split(separator: " ") {
            if t == "~" { toks.append(.gap); continue }
            let star = t.hasSuffix("*")
            let ws = TextNormalizer.words(String(star ? t.dropLast() : t), services: services)
            for (k, w) in ws.enumerated() { toks.append(star && k == ws.count - 1 ? .prefix(w) : .exact(w)) }
        }
        return toks
    }

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        let m = ctx.message
        let words = TextNormalizer.words(m.subject + " \n " + m.text, services: services)
        var hits: [String: (Phrase, Int)] = [:]
        var order: [String] = []
        var cands: [Int] = []
        for i in words.indices {
            let w = words[i]
            guard mayStart(w) else { continue }
            cands.removeAll(keepingCapacity: true)
            if let e = byFirst[w] { cands += e }
            if w.utf8.count >= 2, let pre = prefixFirst[String(w.prefix(2))] {
                for (p, j) in pre where w.hasPrefix(p) { cands.append(j) }
            }
            for c in cands where Self.matches(phrases[c].tokens, words, at: i) {
                let ph = phrases[c]
                if let h = hits[ph.symbol] { hits[ph.symbol] = (h.0, h.1 + 1) } else { hits[ph.symbol] = (ph, 1); order.append(ph.symbol) }
            }
        }
        return order.compactMap { sym in
            guard let (ph, n) = hits[sym] else { return nil }
            let more = n > 1 ? " (+\(n - 1) more)" : ""
            return Finding(sym, "\(ph.language): \"\(ph.text)\"\(more)")
        }
    }

    /// Matches phrase tokens at `i`; gaps backtrack over at most three words each.
    static func matches(_ toks: [Token], _ words: [String], at i: Int) -> Bool {
        func go(_ t: Int, _ w: Int) -> Bool {
            if t == toks.count { return true }
            switch toks[t] {
            case .gap:
                for skip in 0...3 where w + skip <= words.count { if go(t + 1, w + skip) { return true } }
                return false
            case .exact(let e):
                return w < words.count && words[w] == e && go(t + 1, w + 1)
            case .prefix(let p):
                return w < words.count && words[w].hasPrefix(p) && go(t + 1, w + 1)
            }
        }
        return go(0, i)
    }
}
