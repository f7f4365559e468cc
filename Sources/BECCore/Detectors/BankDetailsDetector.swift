/// Bank details in the body: IBANs that pass the ISO 13616 mod-97 check, ABA routing numbers
/// that pass their checksum, SWIFT/BIC codes, UK sort code with account number.
public struct BankDetailsDetector: Detector {
    public static let info = DetectorInfo(
        id: "bank_details",
        summary: "Valid IBAN, ABA routing number, SWIFT/BIC or UK sort code and account number in the text.",
        symbols: [
            SymbolInfo("BANK_IBAN", group: "bank", "an IBAN with a valid mod-97 check"),
            SymbolInfo("BANK_ROUTING_NUMBER", group: "bank", "an ABA routing number with a valid checksum, next to 'routing' or 'ABA'"),
            SymbolInfo("BANK_SWIFT_BIC", group: "bank", "a SWIFT/BIC code next to 'SWIFT' or 'BIC'"),
            SymbolInfo("BANK_ACCOUNT_UK", group: "bank", "a UK sort code with an account number"),
        ],
        triggering: [
            DetectorExample("From: a <a@example.com>\n\nIBAN: DE89 3704 0044 0532 0130 00", fires: ["BANK_IBAN"]),
            DetectorExample("From: a <a@example.com>\n\nRouting number: 021000021", fires: ["BANK_ROUTING_NUMBER"]),
            DetectorExample("From: a <a@example.com>\n\nSWIFT: DEUTDEFF", fires: ["BANK_SWIFT_BIC"]),
            DetectorExample("From: a <a@example.com>\n\nSort code: 60-83-71\nAccount number: 20458817", fires: ["BANK_ACCOUNT_UK"]),
        ],
        nonTriggering: [
            DetectorExample("From: a <a@example.com>\n\nIBAN: DE89 3704 0044 0532 0130 01"),
            DetectorExample("From: a <a@example.com>\n\nOrder 021000022 shipped"),
        ])

    public init(policy: Policy, services: any UnicodeServices) {}

    public func detect(_ ctx: DetectionContext) -> [Finding] {
        let text = ctx.message.text
        guard !text.isEmpty else { return [] }
        let upper = Array(text.prefix(200_000).uppercased().unicodeScalars)
        var out: [Finding] = []
        if let iban = Self.findIBAN(upper) { out.append(Finding("BANK_IBAN", "IBAN \(Self.mask(iban)) (valid check digits)")) }
        let lower = String(String.UnicodeScalarView(upper)).lowercased()
        if let r = Self.findNear(lower, keywords: ["routing", "aba"], length: 9, validate: Self.abaValid) {
            out.append(Finding("BANK_ROUTING_NUMBER", "ABA routing number \(r)"))
        }
        if let b = Self.findBIC(upper, lower) { out.append(Finding("BANK_SWIFT_BIC", "SWIFT/BIC \(b)")) }
        if lower.contains("sort code"), Self.hasSortCode(lower), lower.contains("account") {
            out.append(Finding("BANK_ACCOUNT_UK", "UK sort code and account number in the text"))
        }
        return out
    }

    static func mask(_ s: String) -> String { String(s.prefix(4)) + "…" + String(s.suffix(4)) }

    /// Scans for [A-Z]{2}[0-9]{2} followed by 11-30 alphanumerics, spaces allowed between groups.
    static func findIBAN(_ u: [Unicode.Scalar]) -> String? {
        var i = 0
        while i + 15 < u.count {
            if isUpper(u[i]), isUpper(u[i + 1]), isDigit(u[i + 2]), isDigit(u[i + 3]), i == 0 || !isAlnum(u[i - 1]) {
                var chars: [Unicode.Scalar] = Array(u[i..<(i + 4)])
                var j = i + 4
                while j < u.count, chars.count < 34 {
                    if isAlnum(u[j]) { chars.append(u[j]) } else if u[j] == " " && j + 1 < u.count && isAlnum(u[j + 1]) {} else { break }
                    j += 1
                }
                if chars.count >= 15 {
                    // Try the longest candidate first, then shorter (trailing words may have been swallowed).
                    for len in stride(from: chars.count, through: 15, by: -1) where mod97(Array(chars[0..<len])) {
                        return String(String.UnicodeScalarView(chars[0..<len]))
                    }
                }
            }
            i += 1
        }
        return nil
    }

    static func mod97(_ c: [Unicode.Scalar]) -> Bool {
        let r = Array(c[4...]) + Array(c[0..<4])
        var rem = 0
        for ch in r {
            if isDigit(ch) { rem = (rem * 10 + Int(ch.value - 48)) % 97 } else if isUpper(ch) { rem = (rem * 100 + Int(ch.value - 55)) % 97 } else { return false }
        }
        return rem == 1
    }

    static func abaValid(_ d: [Int]) -> Bool {
        guard d.count == 9, d.contains(where: { $0 != 0 }) else { return false }
        return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0
    }

    /// A run of exactly `length` digits within 40 characters after one of the keywords.
    static func findNear(_ s: String, keywords: [String], length: Int, validate: ([Int]) -> Bool) -> String? {
        for k in keywords {
            var search = s.startIndex
            while let r = s.range(of: k, range: search..<s.endIndex) {
                let window = s[r.upperBound...].prefix(40)
                var run: [Int] = []
                for ch in window + " " {
                    if let v = ch.wholeNumberValue, ch.isASCII { run.append(v); continue }
                    if run.count == length, validate(run) { return run.map(String.init).joined() }
                    run = []
                }
                search = r.upperBound
            }
        }
        return nil
    }

    static func findBIC(_ u: [Unicode.Scalar], _ lower: String) -> String? {
        guard lower.contains("swift") || lower.contains("bic") else { return nil }
        let words = String(String.UnicodeScalarView(u)).split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        for (i, w) in words.enumerated() where w == "SWIFT" || w == "BIC" {
            for cand in words[(i + 1)..<min(words.count, i + 5)] where cand.count == 8 || cand.count == 11 {
                let s = Array(cand.unicodeScalars)
                if s[0..<6].allSatisfy(isUpper), s[6...].allSatisfy(isAlnum) { return String(cand) }
            }
        }
        return nil
    }

    static func hasSortCode(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        guard u.count >= 8 else { return false }
        for i in 0..<(u.count - 7) where isDigit(u[i]) && isDigit(u[i + 1]) && (u[i + 2] == "-" || u[i + 2] == " ") &&
            isDigit(u[i + 3]) && isDigit(u[i + 4]) && u[i + 5] == u[i + 2] && isDigit(u[i + 6]) && isDigit(u[i + 7]) {
            return true
        }
        return false
    }

    static func isUpper(_ c: Unicode.Scalar) -> Bool { c.value >= 65 && c.value <= 90 }
    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
    static func isAlnum(_ c: Unicode.Scalar) -> Bool { isUpper(c) || isDigit(c) }
}
