/// Turns findings into a verdict: weights × strengths, group caps, combination rules,
/// then thresholds (per recipient group when one matches).
public struct Scorer: Sendable {
    public var rules: ScoringRules

    public init(rules: ScoringRules) { self.rules = rules }

    public func score(_ input: [Finding], thresholds: Thresholds? = nil, recipientGroup: String? = nil) -> Verdict {
        // Weigh each finding; the same symbol counts once (its strongest instance).
        var best: [String: Finding] = [:]
        var order: [String] = []
        for var f in input {
            f.weight = (rules.weights[f.symbol] ?? 0) * f.strength
            if let cur = best[f.symbol] {
                if abs(f.weight) > abs(cur.weight) { best[f.symbol] = f }
            } else {
                best[f.symbol] = f
                order.append(f.symbol)
            }
        }
        var findings = order.compactMap { best[$0] }

        // Group caps: scale a group's positive findings down so the group sums to at most its cap.
        var groupRaw: [String: Double] = [:]
        for f in findings where f.weight > 0 { groupRaw[group(of: f.symbol), default: 0] += f.weight }
        var groups: [GroupScore] = []
        for (g, raw) in groupRaw.sorted(by: { $0.key < $1.key }) {
            let cap = rules.groupCaps[g] ?? .infinity
            groups.append(GroupScore(group: g, raw: raw, capped: min(raw, cap)))
            if raw > cap, raw > 0 {
                let factor = cap / raw
                for i in findings.indices where findings[i].weight > 0 && group(of: findings[i].symbol) == g {
                    findings[i].weight = (findings[i].weight * factor * 1000).rounded() / 1000
                }
            }
        }
        var score = findings.reduce(0) { $0 + $1.weight }

        // Combination rules.
        let present = Set(findings.map(\.symbol))
        let presentGroups = Set(findings.filter { $0.weight > 0 }.map { group(of: $0.symbol) })
        var fired: [String] = []
        for c in rules.combinations {
            let has = { (t: String) -> Bool in
                t.hasPrefix("group:") ? presentGroups.contains(String(t.dropFirst(6))) : present.contains(t)
            }
            if c.all.allSatisfy(has) && !c.none.contains(where: has) {
                fired.append(c.name)
                score += c.weight
                var f = Finding("COMBO_\(c.name.uppercased())", "combination " + c.all.joined(separator: " + "), detector: "scorer")
                f.weight = c.weight
                findings.append(f)
            }
        }
        score = (score * 1000).rounded() / 1000
        findings.sort { $0.weight > $1.weight }

        let t = thresholds ?? rules.thresholds
        let action = Self.action(for: score, t)
        let (next, above) = Self.margins(score, action, t)
        return Verdict(action: action, score: score, findings: findings, groups: groups, combinations: fired,
                       thresholds: t, marginToNext: next, marginAbove: above, recipientGroup: recipientGroup)
    }

    func group(of symbol: String) -> String { rules.symbolGroups[symbol] ?? "other" }

    static func action(for score: Double, _ t: Thresholds) -> Action {
        if let r = t.reject, score >= r { return .reject }
        if let q = t.quarantine, score >= q { return .quarantine }
        if let g = t.tag, score >= g { return .tag }
        return .accept
    }

    static func margins(_ score: Double, _ action: Action, _ t: Thresholds) -> (Double?, Double?) {
        func value(_ a: Action) -> Double? {
            switch a {
            case .accept: nil
            case .tag: t.tag
            case .quarantine: t.quarantine
            case .reject: t.reject
            }
        }
        let stronger = Action.allCases.filter { $0 > action }.compactMap(value).filter { $0 > score }.min()
        let above = value(action).map { ((score - $0) * 1000).rounded() / 1000 }
        return (stronger.map { (($0 - score) * 1000).rounded() / 1000 }, above)
    }
}
