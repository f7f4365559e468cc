import Foundation
import Yams

/// The `quarantine:` section of the main config: where held messages are stored, how they are
/// released, retention, and the analysts' web UI.
///
/// ```yaml
/// quarantine:
///   store: sqlite                 # sqlite (default) or postgres
///   sqlite_path: quarantine.sqlite   # default <state_dir>/quarantine.sqlite
///   postgres_url: postgres://bec:secret@db.example:5432/bec?sslmode=require
///   store_timeout_seconds: 10     # the milter's wait for the store before its failure policy applies
///   on_store_error: tempfail      # accept, tempfail (default) or reject when the store is down or slow
///   retention: {max_age_days: 30, max_total_mb: 2048}
///   release:
///     method: auto                # auto (postsuper, else smtp), postsuper, smtp, none
///     postsuper: [sudo, -n, /usr/sbin/postsuper]
///     smtp_relay: 127.0.0.1:10026 # a Postfix smtpd with -o smtpd_milters=
///     smtp_helo: bec-milter-release.localhost
///   web:
///     listen: 127.0.0.1:8025
///     secure_cookies: true        # false only for plain HTTP on loopback
///     session_idle_minutes: 60
///     users:
///       - {name: alice, role: admin, password_hash: "$2b$12$..."}
/// ```
public struct QuarantineSettings: Sendable, Equatable {
    public enum StoreKind: String, Sendable, CaseIterable { case sqlite, postgres }
    public enum ReleaseMethod: String, Sendable, CaseIterable { case auto, postsuper, smtp, none }

    /// A web login from the config file (in addition to those made with `users add`).
    public struct ConfigUser: Sendable, Equatable {
        public var name: String
        /// `analyst` or `admin`.
        public var role: String
        /// bcrypt hash, `$2b$...`.
        public var passwordHash: String
    }

    public var store = StoreKind.sqlite
    /// nil: `<state_dir>/quarantine.sqlite`.
    public var sqlitePath: String? = nil
    public var postgresURL: String? = nil
    public var storeTimeoutSeconds = 10
    /// What the milter answers when it cannot store a message it means to quarantine (store down or too slow).
    public var onStoreError = FailureAction.tempfail
    public var retentionMaxAgeDays: Int? = 30
    public var retentionMaxTotalMB: Int? = nil
    public var releaseMethod = ReleaseMethod.auto
    public var postsuperCommand = ["/usr/sbin/postsuper"]
    /// `host:port` of a relay that bypasses the milter; nil disables SMTP release.
    public var smtpRelay: String? = nil
    public var smtpHelo = "bec-milter-release.localhost"
    public var listen = "127.0.0.1:8025"
    public var secureCookies = true
    public var sessionIdleMinutes = 60
    public var users: [ConfigUser] = []
    /// From the top-level `state_dir` (set by `load`; the full loader keeps it in `MilterSettings`).
    public var stateDirectory = MilterSettings().stateDirectory

    public init() {}

    /// The SQLite file: the configured path, else `<stateDirectory>/quarantine.sqlite`.
    public func resolvedSQLitePath(stateDirectory dir: String? = nil) -> String {
        sqlitePath ?? ((dir ?? stateDirectory) + "/quarantine.sqlite")
    }

    /// `listen` split into host and port (`[::1]:8025` for IPv6).
    public var listenHostPort: (host: String, port: Int)? { Self.hostPort(listen) }
    public var smtpRelayHostPort: (host: String, port: Int)? { smtpRelay.flatMap(Self.hostPort) }

    public static func hostPort(_ s: String) -> (host: String, port: Int)? {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }

    static let keys: Set<String> = ["store", "sqlite_path", "postgres_url", "store_timeout_seconds", "on_store_error", "retention", "release", "web"]

    /// Parses the `quarantine:` node; problems go to `r` with file:line:column. Relative paths go through `resolve`.
    static func parse(_ node: Node?, _ r: YAMLReader, resolve: (String) -> String = { $0 }) -> QuarantineSettings {
        var s = QuarantineSettings()
        let m = r.mapping(node, "quarantine", allowed: keys)
        if let v = r.choice(m["store"], "quarantine.store", StoreKind.self) { s.store = v }
        if let v = r.string(m["sqlite_path"], "quarantine.sqlite_path") { s.sqlitePath = resolve(v) }
        if let v = r.string(m["postgres_url"], "quarantine.postgres_url") {
            if v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") { s.postgresURL = v } else { r.error(m["postgres_url"], "postgres_url must start with postgres://") }
        }
        if s.store == .postgres && s.postgresURL == nil { r.error(m["store"] ?? node, "quarantine.store is postgres but postgres_url is missing") }
        if let v = r.int(m["store_timeout_seconds"], "quarantine.store_timeout_seconds", range: 1...300) { s.storeTimeoutSeconds = v }
        if let v = r.choice(m["on_store_error"], "quarantine.on_store_error", FailureAction.self) { s.onStoreError = v }
        let ret = r.mapping(m["retention"], "quarantine.retention", allowed: ["max_age_days", "max_total_mb"])
        if let n = ret["max_age_days"] { s.retentionMaxAgeDays = n.scalar?.string == "off" ? nil : r.int(n, "retention.max_age_days", range: 1...36_500) }
        if let n = ret["max_total_mb"] { s.retentionMaxTotalMB = n.scalar?.string == "off" ? nil : r.int(n, "retention.max_total_mb", range: 1...10_000_000) }
        parseRelease(m["release"], r, &s)
        parseWeb(m["web"], r, &s)
        return s
    }

    static func parseRelease(_ node: Node?, _ r: YAMLReader, _ s: inout QuarantineSettings) {
        let m = r.mapping(node, "quarantine.release", allowed: ["method", "postsuper", "smtp_relay", "smtp_helo"])
        if let v = r.choice(m["method"], "quarantine.release.method", ReleaseMethod.self) { s.releaseMethod = v }
        if m["postsuper"] != nil {
            let cmd = r.strings(m["postsuper"], "quarantine.release.postsuper")
            if cmd.isEmpty || !cmd[0].hasPrefix("/") && cmd[0] != "sudo" { r.error(m["postsuper"], "postsuper must be an absolute command, e.g. [/usr/sbin/postsuper] or [sudo, -n, /usr/sbin/postsuper]") } else { s.postsuperCommand = cmd }
        }
        if let v = r.string(m["smtp_relay"], "quarantine.release.smtp_relay") {
            if hostPort(v) == nil { r.error(m["smtp_relay"], "smtp_relay must be host:port") } else { s.smtpRelay = v }
        }
        if let v = r.string(m["smtp_helo"], "quarantine.release.smtp_helo") { s.smtpHelo = v }
        if s.releaseMethod == .smtp && s.smtpRelay == nil { r.error(m["method"] ?? node, "release method smtp needs smtp_relay") }
    }

    static func parseWeb(_ node: Node?, _ r: YAMLReader, _ s: inout QuarantineSettings) {
        let m = r.mapping(node, "quarantine.web", allowed: ["listen", "secure_cookies", "session_idle_minutes", "users"])
        if let v = r.string(m["listen"], "quarantine.web.listen") {
            if hostPort(v) == nil { r.error(m["listen"], "listen must be host:port, e.g. 127.0.0.1:8025") } else { s.listen = v }
        }
        if let v = r.bool(m["secure_cookies"], "quarantine.web.secure_cookies") { s.secureCookies = v }
        if let v = r.int(m["session_idle_minutes"], "quarantine.web.session_idle_minutes", range: 1...10_080) { s.sessionIdleMinutes = v }
        for n in r.list(m["users"], "quarantine.web.users") {
            let u = r.mapping(n, "web user", allowed: ["name", "role", "password_hash"])
            guard let name = r.string(u["name"], "user name"), let hash = r.string(u["password_hash"], "password_hash") else {
                r.error(n, "a web user needs name and password_hash (bcrypt; make one with `bec-milter users hash`)")
                continue
            }
            let role = r.string(u["role"], "role") ?? "analyst"
            if role != "analyst" && role != "admin" { r.error(u["role"], "role must be analyst or admin"); continue }
            if !(hash.hasPrefix("$2a$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2y$")) || hash.utf8.count != 60 {
                r.error(u["password_hash"], "password_hash must be a bcrypt hash ($2b$...), never a password"); continue
            }
            s.users.append(ConfigUser(name: name, role: role, passwordHash: hash))
        }
    }

    /// Reads only `state_dir` and `quarantine` from the main config (the other keys are the full
    /// loader's business), for the commands that need nothing else: `web`, `quarantine`, `users`.
    /// nil path: the defaults. Errors carry file:line:column.
    public static func load(configPath: String?) throws -> QuarantineSettings {
        guard let path = configPath else { return QuarantineSettings() }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigErrors([ConfigError(file: path, "cannot read config file")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base + "/" + p }
        let r = YAMLReader(file: path)
        let map = r.mapping(r.compose(String(decoding: data, as: UTF8.self)), "config", allowed: [])
        var s = parse(map["quarantine"], r, resolve: resolve)
        if let d = r.string(map["state_dir"], "state_dir") { s.stateDirectory = resolve(d) }
        if !r.errors.isEmpty { throw ConfigErrors(r.errors) }
        return s
    }
}
