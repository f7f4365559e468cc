import BECCore
import Yams

/// Scoring rules accumulated from the shipped defaults and site overlays, in order: a later
/// file overrides a symbol's weight or group, a group's cap, a combination of the same name,
/// single thresholds; allowlists add up; recipient groups replace by name.
struct RuleSet {
    var weights: [String: Double] = [:]
    var symbolGroups: [String: String] = [:]
    var groupCaps: [String: Double] = [:]
    var combinations: [Combination] = []
    var thresholds = Thresholds()
    var allowlist = Allowlist()
    var recipientGroups: [RecipientGroup] = []
    var tests: [RuleTest] = []
    /// Where each symbol was set, for unknown-symbol errors after lexicons are known.
    var symbolMarks: [(String, String, Int, Int)] = []

    static let keys: Set<String> = ["symbols", "groups", "combinations", "thresholds", "allowlist", "recipient_groups", "tests"]

    mutating func merge(_ map: [String: Node], _ r: YAMLReader, baseDir: String, loadFile: (String) -> [UInt8]?) {
        for (sym, k, v) in r.entries(map["symbols"], "symbols") {
            guard Self.isSymbol(sym) else { r.error(k, "symbol '\(sym)' must be UPPER_SNAKE"); continue }
            symbolMarks.append((sym, r.file, k.mark?.line ?? 0, k.mark?.column ?? 0))
            if let w = v.float ?? v.int.map(Double.init) {
                guard (-100...100).contains(w) else { r.error(v, "weight of \(sym) = \(w) is out of range -100...100"); continue }
                weights[sym] = w
                continue
            }
            let m = r.mapping(v, "symbol \(sym)", allowed: ["weight", "group"])
            if let w = r.double(m["weight"], "weight of \(sym)", range: -100...100) { weights[sym] = w }
            if let g = r.string(m["group"], "group of \(sym)") { symbolGroups[sym] = g }
        }
        for (g, _, v) in r.entries(map["groups"], "groups") {
            let m = r.mapping(v, "group \(g)", allowed: ["cap"])
            if let c = r.double(m["cap"], "cap of group \(g)", range: 0...1000) { groupCaps[g] = c }
        }
        for n in r.list(map["combinations"], "combinations") {
            let m = r.mapping(n, "combination", allowed: ["name", "all", "none", "weight"])
            guard let name = r.string(m["name"], "combination name") else { r.error(n, "combination needs a name"); continue }
            let all = r.strings(m["all"], "combination \(name) all")
            if all.isEmpty { r.error(n, "combination \(name) needs 'all' terms") }
            for t in all + r.strings(m["none"], "none") where !t.hasPrefix("group:") {
                symbolMarks.append((t, r.file, m["all"]?.mark?.line ?? 0, m["all"]?.mark?.column ?? 0))
            }
            let w = r.double(m["weight"], "combination \(name) weight", range: -100...100) ?? 0
            let c = Combination(name: name, all: all, none: r.strings(m["none"], "combination \(name) none"), weight: w)
            combinations.removeAll { $0.name == name }
            combinations.append(c)
        }
        if let t = map["thresholds"] { thresholds = Self.thresholds(t, base: thresholds, r) }
        let al = r.mapping(map["allowlist"], "allowlist", allowed: ["senders", "domains", "dkim_signers"])
        allowlist.senders.formUnion(r.strings(al["senders"], "allowlist senders").map { $0.lowercased() })
        allowlist.domains.formUnion(r.strings(al["domains"], "allowlist domains").map { $0.lowercased() })
        allowlist.dkimSigners.formUnion(r.strings(al["dkim_signers"], "allowlist dkim_signers").map { $0.lowercased() })
        for n in r.list(map["recipient_groups"], "recipient_groups") {
            let m = r.mapping(n, "recipient group", allowed: ["name", "addresses", "thresholds"])
            guard let name = r.string(m["name"], "recipient group name") else { r.error(n, "recipient group needs a name"); continue }
            let g = RecipientGroup(name: name, addresses: Set(r.strings(m["addresses"], "addresses").map { $0.lowercased() }),
                                   thresholds: m["thresholds"].map { Self.thresholds($0, base: thresholds, r) } ?? thresholds)
            recipientGroups.removeAll { $0.name == name }
            recipientGroups.append(g)
        }
        for n in r.list(map["tests"], "tests") {
            let m = r.mapping(n, "test", allowed: ["name", "file", "message", "expect", "mail_from", "rcpt", "client_ip"])
            guard let expect = r.choice(m["expect"], "test expect", Action.self) else { r.error(n, "test needs 'expect'"); continue }
            var bytes: [UInt8]? = nil
            var name = r.string(m["name"], "test name") ?? ""
            if let f = r.string(m["file"], "test file") {
                let path = f.hasPrefix("/") ? f : baseDir + "/" + f
                bytes = loadFile(path)
                if bytes == nil { r.error(m["file"], "cannot read test message \(path)") }
                if name.isEmpty { name = f }
            } else if let msg = r.string(m["message"], "test message") {
                bytes = Array(msg.utf8)
            } else {
                r.error(n, "test needs 'file' or 'message'")
            }
            guard let bytes else { continue }
            let env = Envelope(mailFrom: r.string(m["mail_from"], "mail_from"), recipients: r.strings(m["rcpt"], "rcpt"),
                               clientAddress: r.string(m["client_ip"], "client_ip"))
            tests.append(RuleTest(name: name.isEmpty ? "test at line \(n.mark?.line ?? 0)" : name, file: r.file,
                                  line: n.mark?.line ?? 0, message: bytes, expect: expect, envelope: env))
        }
    }

    static func thresholds(_ n: Node, base: Thresholds, _ r: YAMLReader) -> Thresholds {
        let m = r.mapping(n, "thresholds", allowed: ["tag", "quarantine", "reject"])
        var t = base
        func value(_ key: String) -> Double?? {
            guard let node = m[key] else { return .none }
            if node.scalar?.string == "off" || node.scalar?.string == "null" || node.scalar?.string == "~" { return .some(nil) }
            return r.double(node, "threshold \(key)", range: -1000...1000).map { .some($0) } ?? .none
        }
        if let v = value("tag") { t.tag = v }
        if let v = value("quarantine") { t.quarantine = v }
        if let v = value("reject") { t.reject = v }
        if let a = t.tag, let b = t.quarantine, a > b { r.error(n, "threshold tag (\(a)) is above quarantine (\(b))") }
        if let a = t.quarantine, let b = t.reject, a > b { r.error(n, "threshold quarantine (\(a)) is above reject (\(b))") }
        return t
    }

    static func isSymbol(_ s: String) -> Bool {
        !s.isEmpty && s.unicodeScalars.allSatisfy { ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "_" }
    }

    var scoring: ScoringRules {
        ScoringRules(weights: weights, symbolGroups: symbolGroups, groupCaps: groupCaps, combinations: combinations, thresholds: thresholds)
    }
}
