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
        // Bank identifiers are ASCII: work on the UTF-8 bytes, uppercased, in one pass.
        var upper = [UInt8](text.utf8.prefix(Self.maxScan))
        for i in upper.indices where upper[i] >= 0x61 && upper[i] <= 0x7A { upper[i] -= 32 }
        var out: [Finding] = []
        if let iban = Self.findIBAN(upper) { out.append(Finding("BANK_IBAN", "IBAN \(Self.mask(iban)) (valid check digits)")) }
        if let r = Self.findNear(upper, keywords: ["ROUTING", "ABA"], length: 9, validate: Self.abaValid) {
            out.append(Finding("BANK_ROUTING_NUMBER", "ABA routing number \(r)"))
        }
        if let b = Self.findBIC(upper) { out.append(Finding("BANK_SWIFT_BIC", "SWIFT/BIC \(b)")) }
        if Self.find(upper, "SORT CODE") != nil, Self.find(upper, "ACCOUNT") != nil, Self.hasSortCode(upper) {
            out.append(Finding("BANK_ACCOUNT_UK", "UK sort code and account number in the text"))
        }
        return out
    }

    /// Bytes of text scanned for bank details.
    static let maxScan = 200_000

    static func mask(_ s: String) -> String { String(s.prefix(4)) + "…" + String(s.suffix(4)) }

    /// Scans for [A-Z]{2}[0-9]{2} followed by 11-30 alphanumerics, single spaces allowed between groups.
    static func findIBAN(_ u: [UInt8]) -> String? {
        var i = 0
        while i + 15 < u.count {
            if isUpper(u[i]), isUpper(u[i + 1]), isDigit(u[i + 2]), isDigit(u[i + 3]), i == 0 || !isAlnum(u[i - 1]) {
                var chars: [UInt8] = Array(u[i..<(i + 4)])
                var j = i + 4
                while j < u.count, chars.count < 34 {
                    if isAlnum(u[j]) { chars.append(u[j]) } else if u[j] == 0x20 && j + 1 < u.count && isAlnum(u[j + 1]) {} else { break }
                    j += 1
                }
                if chars.count >= 15 {
                    // Longest candidate first, then shorter (a following word may have been swallowed).
                    for len in stride(from: chars.count, through: 15, by: -1) where mod97(chars[0..<len]) {
                        return String(decoding: chars[0..<len], as: UTF8.self)
                    }
                }
            }
            i += 1
        }
        return nil
    }

    static func mod97(_ c: ArraySlice<UInt8>) -> Bool {
        var rem = 0
        for ch in c.dropFirst(4) + c.prefix(4) {
            if isDigit(ch) { rem = (rem * 10 + Int(ch - 48)) % 97 } else if isUpper(ch) { rem = (rem * 100 + Int(ch - 55)) % 97 } else { return false }
        }
        return rem == 1
    }

    static func abaValid(_ d: [Int]) -> Bool {
        guard d.count == 9, d.contains(where: { $0 != 0 }) else { return false }
        return (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0
    }

    /// Byte-substring search from `from`.
    static func find(_ h: [UInt8], _ needle: String, from: Int = 0) -> Int? {
        let n = Array(needle.utf8)
        guard let first = n.first, h.count >= n.count else { return nil }
        var i = from
        while i + n.count <= h.count {
            if h[i] == first && h[i..<(i + n.count)].elementsEqual(n) { return i }
            i += 1
        }
        return nil
    }

    /// A run of exactly `length` digits within 40 bytes after one of the keywords.
    static func findNear(_ u: [UInt8], keywords: [String], length: Int, validate: ([Int]) -> Bool) -> String? {
        for k in keywords {
            var from = 0
            while let at = find(u, k, from: from) {
                let start = at + k.utf8.count
                var run: [Int] = []
                for j in start..<min(u.count + 1, start + 41) {
                    if j < u.count, isDigit(u[j]) { run.append(Int(u[j] - 48)); continue }
                    if run.count == length, validate(run) { return run.map(String.init).joined() }
                    run = []
                }
                from = start
            }
        }
        return nil
    }

    /// An 8- or 11-character BIC among the four words after "SWIFT" or "BIC".
    static func findBIC(_ u: [UInt8]) -> String? {
        for k in ["SWIFT", "BIC"] {
            var from = 0
            while let at = find(u, k, from: from) {
                from = at + k.utf8.count
                guard at == 0 || !isAlnum(u[at - 1]), from >= u.count || !isAlnum(u[from]) else { continue }
                var j = from
                for _ in 0..<4 {
                    while j < u.count, !isAlnum(u[j]) { j += 1 }
                    let s = j
                    while j < u.count, isAlnum(u[j]) { j += 1 }
                    let w = u[s..<j]
                    if w.count == 8 || w.count == 11, w.prefix(6).allSatisfy(isUpper) { return String(decoding: w, as: UTF8.self) }
                }
            }
        }
        return nil
    }

    static func hasSortCode(_ u: [UInt8]) -> Bool {
        guard u.count >= 8 else { return false }
        for i in 0..<(u.count - 7) where isDigit(u[i]) && isDigit(u[i + 1]) && (u[i + 2] == 0x2D || u[i + 2] == 0x20) &&
            isDigit(u[i + 3]) && isDigit(u[i + 4]) && u[i + 5] == u[i + 2] && isDigit(u[i + 6]) && isDigit(u[i + 7]) {
            return true
        }
        return false
    }

    static func isUpper(_ c: UInt8) -> Bool { c >= 65 && c <= 90 }
    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isAlnum(_ c: UInt8) -> Bool { isUpper(c) || isDigit(c) }
}
