import BECCore
import Foundation
import Yams

/// Loads the main YAML config, the shipped default rules and lexicons from models/, and site
/// rule overlays into a validated `LoadedConfig`. Every problem is reported with file:line:column.
public struct ConfigLoader {
    static let topKeys: Set<String> = Set(["models_dir", "organization", "people", "staff", "vendors", "freemail", "lexicons",
                                       "rules", "use_default_rules", "limits", "milter", "internal_mail", "state_dir", "logging", "quarantine", "history"])
        .union(RuleSet.keys)

    public init() {}

    /// Loads `path`, or the embedded defaults when nil.
    public func load(path: String?) throws -> LoadedConfig {
        let text: String
        let file: String
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ConfigErrors([ConfigError(file: path, "cannot read config file")])
            }
            text = String(decoding: data, as: UTF8.self)
            file = path
        } else {
            text = DefaultConfig.yaml
            file = "<embedded defaults>"
        }
        return try load(text: text, file: file, baseDir: path.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? FileManager.default.currentDirectoryPath)
    }

    public func load(text: String, file: String, baseDir: String) throws -> LoadedConfig {
        var errors: [ConfigError] = []
        var warnings: [String] = []
        var files = [file]
        let r = YAMLReader(file: file)
        let root = r.compose(text)
        let map = root == nil ? [:] : r.mapping(root, "config", allowed: Self.topKeys)
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : baseDir + "/" + p }

        let modelsDir = ModelsLocator.find(configured: r.string(map["models_dir"], "models_dir").map(resolve))
        if modelsDir == nil { errors.append(ConfigError(file: file, "models directory not found (set models_dir or BEC_MILTER_MODELS)")) }

        // Organization and people.
        let orgMap = r.mapping(map["organization"], "organization", allowed: ["name", "domains", "authserv_id", "internal_networks"])
        var nets: [CIDR] = []
        for n in r.list(orgMap["internal_networks"], "internal_networks") {
            guard let s = r.string(n, "internal network") else { continue }
            if let c = CIDR(s) { nets.append(c) } else { r.error(n, "'\(s)' is not an IP network (CIDR)") }
        }
        let org = Organization(name: r.string(orgMap["name"], "organization name") ?? "",
                               domains: r.strings(orgMap["domains"], "organization domains"),
                               authservID: r.string(orgMap["authserv_id"], "authserv_id") ?? "", internalNetworks: nets)
        var people = Self.people(map["people"], r, executive: true)
        people += Self.people(map["staff"], r, executive: false)
        var vendors: [Vendor] = []
        for n in r.list(map["vendors"], "vendors") {
            let m = r.mapping(n, "vendor", allowed: ["name", "domains", "contacts"])
            guard let name = r.string(m["name"], "vendor name") else { r.error(n, "vendor needs a name"); continue }
            let contacts = Self.people(m["contacts"], r, executive: false)
            vendors.append(Vendor(name: name, domains: r.strings(m["domains"], "vendor domains"), contacts: contacts))
        }

        // Limits.
        var limits = Limits()
        let allowedLimits = Set(Limits.names.map(\.0))
        for (k, v) in r.mapping(map["limits"], "limits", allowed: allowedLimits) {
            if let kp = Limits.names.first(where: { $0.0 == k })?.1, let i = r.int(v, "limits.\(k)", range: 1...(1 << 31)) { limits[keyPath: kp] = i }
        }

        // Models: freemail list, PSL, lexicons, default rules.
        var freemail = Set<String>()
        var psl = PublicSuffixList()
        var lexicon = Lexicon()
        var rules = RuleSet()
        let fm = r.mapping(map["freemail"], "freemail", allowed: ["use_default", "add", "remove"])
        if let dir = modelsDir {
            if r.bool(fm["use_default"], "freemail.use_default") ?? true {
                freemail = Self.lines(dir + "/freemail/domains.txt")
                files.append(dir + "/freemail/domains.txt")
            }
            if let text = try? String(contentsOfFile: dir + "/publicsuffix/public_suffix_list.dat", encoding: .utf8) {
                psl = PublicSuffixList(text: text)
                files.append(dir + "/publicsuffix/public_suffix_list.dat")
            } else {
                errors.append(ConfigError(file: dir + "/publicsuffix/public_suffix_list.dat", "cannot read the Public Suffix List"))
            }
            let lexDir = dir + "/lexicons"
            for f in ((try? FileManager.default.contentsOfDirectory(atPath: lexDir)) ?? []).sorted() where f.hasSuffix(".yaml") {
                lexicon.families += Self.loadLexicon(lexDir + "/" + f, &errors)
                files.append(lexDir + "/" + f)
            }
            if r.bool(map["use_default_rules"], "use_default_rules") ?? true {
                Self.loadRules(dir + "/rules/default.yaml", into: &rules, &errors)
                files.append(dir + "/rules/default.yaml")
            }
        }
        freemail.formUnion(r.strings(fm["add"], "freemail.add").map { $0.lowercased() })
        freemail.subtract(r.strings(fm["remove"], "freemail.remove").map { $0.lowercased() })
        for f in r.strings(map["lexicons"], "lexicons").map(resolve) {
            lexicon.families += Self.loadLexicon(f, &errors)
            files.append(f)
        }
        for f in r.strings(map["rules"], "rules").map(resolve) {
            Self.loadRules(f, into: &rules, &errors)
            files.append(f)
        }
        // Rule keys inline in the main config are the last overlay.
        rules.merge(map, r, baseDir: baseDir, loadFile: Self.read)

        // Milter settings.
        var milter = MilterSettings()
        Self.milterSettings(map["milter"], r, &milter)
        if let s = r.string(map["state_dir"], "state_dir") { milter.stateDirectory = resolve(s) }
        var quarantine = QuarantineSettings.parse(map["quarantine"], r, resolve: resolve)
        quarantine.stateDirectory = milter.stateDirectory
        milter.onStoreError = quarantine.onStoreError
        var (history, historyPolicy) = HistorySettings.parse(map["history"], r, resolve: resolve)
        history.stateDirectory = milter.stateDirectory
        let logMap = r.mapping(map["logging"], "logging", allowed: ["level", "verdict_json"])
        if let l = r.string(logMap["level"], "logging.level") {
            if ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(l) { milter.logLevel = l } else { r.error(logMap["level"], "unknown log level '\(l)'") }
        }
        if let v = r.bool(logMap["verdict_json"], "logging.verdict_json") { milter.verdictLog = v }
        let internalMode = r.choice(map["internal_mail"], "internal_mail", InternalMailMode.self) ?? .learn

        // Unknown symbols: every weighted symbol must be one a detector or lexicon can emit.
        let known = Self.knownSymbols(lexicon)
        for (sym, f, line, col) in rules.symbolMarks where !known.contains(sym) {
            errors.append(ConfigError(file: f, line: line, column: col, "unknown symbol '\(sym)'"))
        }
        for sym in known.sorted() where rules.weights[sym] == nil {
            warnings.append("symbol \(sym) has no weight (scores 0)")
        }
        for (sym, g) in Self.defaultGroups(lexicon) where rules.symbolGroups[sym] == nil { rules.symbolGroups[sym] = g }

        errors = r.errors + errors
        if !errors.isEmpty { throw ConfigErrors(errors) }
        let policy = Policy(organization: org, people: people, vendors: vendors, freemailDomains: freemail, lexicon: lexicon,
                            scoring: rules.scoring, allowlist: rules.allowlist, recipientGroups: rules.recipientGroups,
                            limits: limits, publicSuffixes: psl, internalMail: internalMode, history: historyPolicy)
        return LoadedConfig(policy: policy, milter: milter, tests: rules.tests, files: files, warnings: warnings, modelsDirectory: modelsDir,
                            quarantine: quarantine, history: history)
    }

    /// Symbols any detector or lexicon family can emit.
    public static func knownSymbols(_ lexicon: Lexicon) -> Set<String> {
        var s = Set(Pipeline.detectorTypes.flatMap { $0.info.symbols.map(\.name) })
        s.formUnion(lexicon.families.map(\.symbol))
        return s
    }

    static func defaultGroups(_ lexicon: Lexicon) -> [String: String] {
        var g: [String: String] = [:]
        for t in Pipeline.detectorTypes { for s in t.info.symbols { g[s.name] = s.group } }
        for f in lexicon.families where g[f.symbol] == nil { g[f.symbol] = "language" }
        return g
    }

    static func people(_ node: Node?, _ r: YAMLReader, executive: Bool) -> [ProtectedPerson] {
        r.list(node, "people").compactMap { n in
            let m = r.mapping(n, "person", allowed: ["name", "aliases", "title", "role", "addresses", "address", "executive"])
            guard let name = r.string(m["name"], "person name") else { r.error(n, "person needs a name"); return nil }
            let addrs = r.strings(m["addresses"], "addresses") + r.strings(m["address"], "address")
            return ProtectedPerson(name: name, aliases: r.strings(m["aliases"], "aliases"),
                                   title: r.string(m["title"], "title") ?? r.string(m["role"], "role") ?? "",
                                   addresses: addrs, executive: r.bool(m["executive"], "executive") ?? executive)
        }
    }

    static func milterSettings(_ node: Node?, _ r: YAMLReader, _ s: inout MilterSettings) {
        let m = r.mapping(node, "milter", allowed: ["socket", "socket_mode", "on_internal_error", "on_over_limit", "on_timeout",
                                                  "timeout_seconds", "actions", "reject_text", "tempfail_text", "subject_prefix",
                                                  "banner", "banner_text"])
        if let v = r.string(m["socket"], "milter.socket") {
            if v.hasPrefix("unix:") || v.hasPrefix("inet:") || v.hasPrefix("inet6:") || v.hasPrefix("local:") { s.socket = v } else { r.error(m["socket"], "socket must be unix:/path or inet:port@host") }
        }
        if let v = r.string(m["socket_mode"], "milter.socket_mode") { s.socketMode = v }
        if let v = r.choice(m["on_internal_error"], "on_internal_error", FailureAction.self) { s.onInternalError = v }
        if let v = r.choice(m["on_over_limit"], "on_over_limit", FailureAction.self) { s.onOverLimit = v }
        if let v = r.choice(m["on_timeout"], "on_timeout", FailureAction.self) { s.onTimeout = v }
        if let v = r.int(m["timeout_seconds"], "timeout_seconds", range: 1...3600) { s.timeoutSeconds = v }
        for (k, v) in r.mapping(m["actions"], "milter.actions", allowed: Set(Action.allCases.map(\.rawValue))) {
            if let a = Action(rawValue: k), let act = r.choice(v, "milter.actions.\(k)", MilterAction.self) { s.actions[a] = act }
        }
        if let v = r.string(m["reject_text"], "reject_text") {
            if v.utf8.count > 200 || v.contains(where: { $0.isNewline }) { r.error(m["reject_text"], "reject_text must be one line of at most 200 bytes") } else { s.rejectText = v }
        }
        if let v = r.string(m["tempfail_text"], "tempfail_text") { s.tempfailText = v }
        if let v = r.string(m["subject_prefix"], "subject_prefix") { s.subjectPrefix = v.isEmpty ? nil : v }
        if let v = r.bool(m["banner"], "banner") { s.banner = v }
        if let v = r.string(m["banner_text"], "banner_text") { s.bannerText = v }
    }

    static func loadLexicon(_ path: String, _ errors: inout [ConfigError]) -> [LexiconFamily] {
        guard let data = FileManager.default.contents(atPath: path) else {
            errors.append(ConfigError(file: path, "cannot read lexicon"))
            return []
        }
        let r = YAMLReader(file: path)
        let map = r.mapping(r.compose(String(decoding: data, as: UTF8.self)), "lexicon", allowed: ["language", "description", "source", "families"])
        let lang = r.string(map["language"], "language") ?? "?"
        var out: [LexiconFamily] = []
        for (sym, k, v) in r.entries(map["families"], "families") {
            guard RuleSet.isSymbol(sym) else { r.error(k, "family '\(sym)' must be an UPPER_SNAKE symbol"); continue }
            out.append(LexiconFamily(symbol: sym, language: lang, phrases: r.strings(v, "phrases of \(sym)")))
        }
        errors += r.errors
        return out
    }

    static func loadRules(_ path: String, into rules: inout RuleSet, _ errors: inout [ConfigError]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            errors.append(ConfigError(file: path, "cannot read rule file"))
            return
        }
        let r = YAMLReader(file: path)
        let map = r.mapping(r.compose(String(decoding: data, as: UTF8.self)), "rule file", allowed: RuleSet.keys.union(["description"]))
        rules.merge(map, r, baseDir: URL(fileURLWithPath: path).deletingLastPathComponent().path, loadFile: read)
        errors += r.errors
    }

    static func read(_ path: String) -> [UInt8]? { FileManager.default.contents(atPath: path).map { Array($0) } }

    static func lines(_ path: String) -> Set<String> {
        guard let t = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Set(t.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty && !$0.hasPrefix("#") })
    }
}
