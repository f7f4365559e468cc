/// Renders a verdict the same way everywhere: X-headers, CLI report, logs.
public enum VerdictFormatter {
    /// "tag score=7.5 next=quarantine@10" style first line for X-BEC-Verdict.
    public static func verdictHeader(_ v: Verdict) -> String {
        var s = "\(v.action.rawValue) score=\(format(v.score))"
        if let t = v.thresholds.tag { s += " tag=\(format(t))" }
        if let q = v.thresholds.quarantine { s += " quarantine=\(format(q))" }
        if let r = v.thresholds.reject { s += " reject=\(format(r))" }
        return s
    }

    /// Compact findings list for X-BEC-Findings: "SYMBOL(weight), ..." at most `limit` bytes, ASCII only.
    public static func findingsHeader(_ v: Verdict, limit: Int = 900) -> String {
        var parts: [String] = []
        var total = 0
        for f in v.findings where f.weight != 0 {
            let p = "\(f.symbol)(\(format(f.weight)))"
            if total + p.utf8.count + 2 > limit { parts.append("..."); break }
            parts.append(p)
            total += p.utf8.count + 2
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    public static func format(_ d: Double) -> String {
        let r = (d * 100).rounded() / 100
        if r == r.rounded() { return String(Int(r)) }
        return String(r)
    }

    /// Human-readable multi-line explanation.
    public static func explain(_ v: Verdict) -> [String] {
        var lines = ["verdict: \(v.action.rawValue)  score: \(format(v.score))" + (v.recipientGroup.map { "  (recipient group \($0))" } ?? "")]
        if let m = v.marginToNext { lines.append("  \(format(m)) below the next threshold") }
        if let a = v.marginAbove { lines.append("  \(format(a)) above the \(v.action.rawValue) threshold") }
        for f in v.findings {
            lines.append("  \(f.weight >= 0 ? "+" : "")\(format(f.weight))  \(f.symbol)  \(f.evidence)")
        }
        for n in v.notes { lines.append("  note: \(n)") }
        return lines
    }
}
