import BECCore
import Foundation
import Yams

/// The `history:` section of the main config: the sender-history store (first contact,
/// name-to-address bindings, the thread ledger) and how it learns.
///
/// ```yaml
/// history:
///   enabled: true                 # default true
///   store: sqlite                 # sqlite (default, one host) or postgres (several milter hosts share one)
///   sqlite_path: history.sqlite   # default <state_dir>/history.sqlite
///   postgres_url: postgres://bec:secret@db.example:5432/bec
///   hash_keys: false              # store HMAC-SHA256 of every key instead of addresses and names
///   hash_key_file: /etc/bec-milter/history.key   # the HMAC secret (required with hash_keys)
///   expire_days: 400              # forget correspondents, bindings and Reply-Tos not seen for this long
///   message_id_days: 120          # keep thread-ledger Message-IDs this long
///   max_entries: 1000000          # per table; the least recently seen go first
///   lookup_timeout_ms: 250        # past this the history detectors are skipped for the message
///   warmup_days: 14               # learn only (no history findings) until the store is this old or seeded by `history import`
///   outbound_daemon_names: [ORIGINATING]   # {daemon_name} values of our submission service
///   generic_name_words: [...]     # replaces the built-in list of role words ("accounts", "support", ...)
/// ```
public struct HistorySettings: Sendable, Equatable {
    public enum StoreKind: String, Sendable, CaseIterable { case sqlite, postgres }

    public var enabled = true
    public var store = StoreKind.sqlite
    public var sqlitePath: String? = nil
    public var postgresURL: String? = nil
    public var hashKeys = false
    public var hashKeyFile: String? = nil
    public var expireDays = 400
    public var messageIDDays = 120
    public var maxEntries = 1_000_000
    public var lookupTimeoutMilliseconds = 250
    public var warmupDays = 14
    public var stateDirectory = MilterSettings().stateDirectory

    public init() {}

    /// The SQLite file: the configured path, else `<stateDirectory>/history.sqlite`.
    public var resolvedSQLitePath: String { sqlitePath ?? (stateDirectory + "/history.sqlite") }

    static let keys: Set<String> = ["enabled", "store", "sqlite_path", "postgres_url", "hash_keys", "hash_key_file", "expire_days",
                                    "message_id_days", "max_entries", "lookup_timeout_ms", "warmup_days", "outbound_daemon_names",
                                    "generic_name_words"]

    /// Parses the `history:` node into settings and the core's `HistoryPolicy`.
    static func parse(_ node: Node?, _ r: YAMLReader, resolve: (String) -> String) -> (HistorySettings, HistoryPolicy) {
        var s = HistorySettings()
        var p = HistoryPolicy()
        let m = r.mapping(node, "history", allowed: keys)
        if let v = r.bool(m["enabled"], "history.enabled") { s.enabled = v }
        if let v = r.choice(m["store"], "history.store", StoreKind.self) { s.store = v }
        if let v = r.string(m["sqlite_path"], "history.sqlite_path") { s.sqlitePath = resolve(v) }
        if let v = r.string(m["postgres_url"], "history.postgres_url") {
            if v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") { s.postgresURL = v } else { r.error(m["postgres_url"], "postgres_url must start with postgres://") }
        }
        if s.store == .postgres && s.postgresURL == nil { r.error(m["store"] ?? node, "history.store is postgres but postgres_url is missing") }
        if let v = r.bool(m["hash_keys"], "history.hash_keys") { s.hashKeys = v }
        if let v = r.string(m["hash_key_file"], "history.hash_key_file") { s.hashKeyFile = resolve(v) }
        if s.hashKeys && s.hashKeyFile == nil { r.error(m["hash_keys"] ?? node, "history.hash_keys needs hash_key_file (a file holding the HMAC secret)") }
        if let v = r.int(m["expire_days"], "history.expire_days", range: 1...36_500) { s.expireDays = v }
        if let v = r.int(m["message_id_days"], "history.message_id_days", range: 1...36_500) { s.messageIDDays = v }
        if let v = r.int(m["max_entries"], "history.max_entries", range: 1_000...1_000_000_000) { s.maxEntries = v }
        if let v = r.int(m["lookup_timeout_ms"], "history.lookup_timeout_ms", range: 1...60_000) { s.lookupTimeoutMilliseconds = v }
        if let v = r.int(m["warmup_days"], "history.warmup_days", range: 0...365) { s.warmupDays = v }
        if m["outbound_daemon_names"] != nil { p.outboundDaemonNames = Set(r.strings(m["outbound_daemon_names"], "history.outbound_daemon_names")) }
        if m["generic_name_words"] != nil {
            p.genericNameWords = Set(r.strings(m["generic_name_words"], "history.generic_name_words").map { $0.lowercased() })
        }
        return (s, p)
    }
}
