import BECCore
import BECQuarantine
import Foundation
import Logging
import PostgresNIO

/// One history shared by several milter hosts: what one host learns, the others use. Tables are
/// created at start-up under an advisory lock, so hosts starting together create them once.
public final class PostgresHistoryStore: HistoryStore {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger: Logger

    /// Connects to `url` and creates the tables; fails when the server does not answer within `timeout`.
    public static func connect(url: String, timeout: Duration = .seconds(15),
                               logger: Logger = Logger(label: "bec-milter.history")) async throws -> PostgresHistoryStore {
        let config: PostgresClient.Configuration
        do { config = try PostgresURL.configuration(url) } catch { throw HistoryError("history store: \(error)") }
        let store = PostgresHistoryStore(client: PostgresClient(configuration: config, backgroundLogger: logger), logger: logger)
        do {
            try await withDeadline(timeout, timeoutError: { HistoryError("no answer from PostgreSQL within \(timeout)") }) {
                try await store.migrate()
            }
        } catch {
            await store.close()
            throw error as? HistoryError ?? HistoryError("cannot open PostgreSQL history store: \(String(reflecting: error))")
        }
        return store
    }

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Arbitrary constant identifying bec-milter's history schema lock ("bec-hist").
    static let migrationLock: Int64 = 0x6265_632d_6869_7374

    func migrate() async throws {
        try await client.withTransaction(logger: logger) { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            for sql in HistorySchema.statements(bigint: "BIGINT") { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
            try await conn.query("INSERT INTO hist_meta (key, value) VALUES ('schema_version', \(HistorySchema.version)) ON CONFLICT (key) DO NOTHING", logger: logger)
        }
    }

    /// `?` placeholders numbered for PostgreSQL, with their values bound.
    static func query(_ sql: String, _ values: [any PostgresDynamicTypeEncodable]) -> PostgresQuery {
        var out = ""
        var n = 0
        for ch in sql {
            if ch == "?" { n += 1; out += "$\(n)" } else { out.append(ch) }
        }
        var b = PostgresBindings(capacity: values.count)
        for v in values { b.append(v) }
        return PostgresQuery(unsafeSQL: out, binds: b)
    }

    private func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as HistoryError { throw e } catch {
            throw HistoryError("history \(what) (PostgreSQL): \(String(reflecting: error))")
        }
    }

    private func exists(_ sql: String, _ values: [any PostgresDynamicTypeEncodable], on conn: PostgresConnection? = nil) async throws -> Bool {
        let q = Self.query(sql, values)
        let rows: PostgresRowSequence
        if let conn { rows = try await conn.query(q, logger: logger) } else { rows = try await client.query(q, logger: logger) }
        for try await _ in rows { return true }
        return false
    }

    private func strings(_ sql: String, _ values: [any PostgresDynamicTypeEncodable]) async throws -> [String] {
        var out: [String] = []
        for try await s in try await client.query(Self.query(sql, values), logger: logger).decode(String.self) { out.append(s) }
        return out
    }

    public func lookup(_ q: HistoryQuery) async throws -> HistoryFacts {
        try await run("lookup") {
            var f = HistoryFacts()
            f.senderKnown = try await exists("SELECT 1 FROM hist_address WHERE addr = ?", [q.sender])
            if f.senderKnown { f.senderDomainKnown = true } else {
                f.senderDomainKnown = try await exists("SELECT 1 FROM hist_address WHERE domain = ? LIMIT 1", [q.senderDomain])
            }
            if !q.recipients.isEmpty {
                f.senderKnownToRecipient = try await exists("SELECT 1 FROM hist_pair WHERE remote = ? AND local = ANY(?) LIMIT 1", [q.sender, q.recipients])
            }
            if let name = q.nameKey {
                f.displayNameBoundTo = try await strings("SELECT addr FROM hist_binding WHERE name = ? AND domain <> ? ORDER BY last_seen DESC LIMIT 5",
                                                         [name, q.senderDomain])
            }
            if !q.replyTos.isEmpty {
                let seen = Set(try await strings("SELECT reply_to FROM hist_replyto WHERE addr = ?", [q.sender]))
                f.newReplyTo = q.replyTos.filter { !seen.contains($0) }
            }
            if !q.threadIDs.isEmpty {
                let seen = Set(try await strings("SELECT id FROM hist_msgid WHERE id = ANY(?)", [q.threadIDs]))
                f.unseenThreadIDs = q.threadIDs.filter { !seen.contains($0) }
                f.threadIDsReferenced = q.threadIDs.count
            }
            return f
        }
    }

    public func learn(_ batch: [HistoryLesson]) async throws {
        let now = Date()
        try await run("learn") {
            try await client.withTransaction(logger: logger) { conn in
                for l in batch {
                    let t = Int64((l.time ?? now).timeIntervalSince1970)
                    let out: Int64 = l.direction == .outbound ? 1 : 0
                    for a in l.correspondents {
                        try await conn.query(Self.query(HistorySchema.upsertAddress(min: "LEAST", max: "GREATEST"), [a.address, a.domain, t, t, out, 1 - out]), logger: logger)
                    }
                    for p in l.pairs {
                        try await conn.query(Self.query(HistorySchema.upsertPair(min: "LEAST", max: "GREATEST"), [p.remote, p.local, t, t]), logger: logger)
                    }
                    for b in l.bindings {
                        if !b.authoritative, try await exists(HistorySchema.bindingBlocked, [b.nameKey, b.domain], on: conn) { continue }
                        try await conn.query(Self.query(HistorySchema.upsertBinding(min: "LEAST", max: "GREATEST"),
                                                        [b.nameKey, b.address, b.domain, t, t, b.authoritative ? 1 : 0]), logger: logger)
                    }
                    for r in l.replyTos {
                        try await conn.query(Self.query(HistorySchema.upsertReplyTo(min: "LEAST", max: "GREATEST"), [r.sender, r.replyTo, t, t]), logger: logger)
                    }
                    for id in l.messageIDs {
                        try await conn.query(Self.query(HistorySchema.upsertMessageID(max: "GREATEST"), [id, t, l.direction.rawValue]), logger: logger)
                    }
                }
            }
        }
    }

    public func address(_ key: String, domain: String) async throws -> AddressHistory {
        try await run("show") {
            var h = AddressHistory(address: key)
            let rows = try await client.query(Self.query("SELECT first_seen, last_seen, n_out, n_in FROM hist_address WHERE addr = ?", [key]), logger: logger)
            for try await (first, last, nOut, nIn) in rows.decode((Int64, Int64, Int64, Int64).self) {
                h.known = true
                h.firstSeen = Date(timeIntervalSince1970: TimeInterval(first))
                h.lastSeen = Date(timeIntervalSince1970: TimeInterval(last))
                h.messagesFromUs = Int(nOut)
                h.messagesToUs = Int(nIn)
            }
            h.domainKnown = try await exists("SELECT 1 FROM hist_address WHERE domain = ? LIMIT 1", [domain])
            h.correspondents = try await strings("SELECT local FROM hist_pair WHERE remote = ? ORDER BY last_seen DESC LIMIT 50", [key])
            h.names = try await strings("SELECT name FROM hist_binding WHERE addr = ? ORDER BY last_seen DESC LIMIT 20", [key])
            h.replyTos = try await strings("SELECT reply_to FROM hist_replyto WHERE addr = ? ORDER BY last_seen DESC LIMIT 20", [key])
            return h
        }
    }

    public func meta(_ key: String) async throws -> String? {
        try await run("meta") { try await strings("SELECT value FROM hist_meta WHERE key = ?", [key]).first }
    }

    public func setMeta(_ key: String, _ value: String, onlyIfAbsent: Bool) async throws {
        try await run("meta") {
            let sql = onlyIfAbsent ? "INSERT INTO hist_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"
                                   : "INSERT INTO hist_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            try await client.query(Self.query(sql, [key, value]), logger: logger)
        }
    }

    public func prune(seenBefore: Date, messageIDsBefore: Date, maxEntries: Int) async throws -> Int {
        let old = Int64(seenBefore.timeIntervalSince1970), oldIDs = Int64(messageIDsBefore.timeIntervalSince1970)
        return try await run("prune") {
            var n = 0
            for t in HistorySchema.tables {
                let expired = ("WITH d AS (DELETE FROM \(t) WHERE last_seen < ? RETURNING 1) SELECT count(*) FROM d",
                               t == "hist_msgid" ? oldIDs : old)
                let overflow = ("""
                    WITH d AS (DELETE FROM \(t) WHERE ctid IN (SELECT ctid FROM \(t) ORDER BY last_seen ASC
                      LIMIT GREATEST(0, (SELECT count(*) FROM \(t)) - ?)) RETURNING 1) SELECT count(*) FROM d
                    """, Int64(maxEntries))
                for (sql, arg) in [expired, overflow] {
                    for try await c in try await client.query(Self.query(sql, [arg]), logger: logger).decode(Int64.self) { n += Int(c) }
                }
            }
            return n
        }
    }

    public func counts() async throws -> [String: Int] {
        try await run("counts") {
            var c: [String: Int] = [:]
            for t in HistorySchema.tables {
                for try await n in try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(t)"), logger: logger).decode(Int64.self) { c[t] = Int(n) }
            }
            return c
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }
}
