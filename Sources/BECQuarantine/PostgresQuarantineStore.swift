import BECCore
import Foundation
import Logging
import PostgresNIO

/// The shared store for sites whose several milter hosts (and web UIs) use one PostgreSQL database.
/// Migrations run at start-up under an advisory lock, so hosts starting together apply them once.
public final class PostgresQuarantineStore: QuarantineStore {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger: Logger

    /// Connects to `url` (see `PostgresURL`), applies pending migrations and returns the store.
    /// Fails with `.unavailable` when the server does not answer within `timeout` (the client would retry forever).
    public static func connect(url: String, timeout: Duration = .seconds(15),
                               logger: Logger = Logger(label: "bec-milter.quarantine")) async throws -> PostgresQuarantineStore {
        let store = PostgresQuarantineStore(client: PostgresClient(configuration: try PostgresURL.configuration(url), backgroundLogger: logger), logger: logger)
        do {
            try await withDeadline(timeout, timeoutError: { QuarantineError(.unavailable, "no answer from PostgreSQL within \(timeout)") }) {
                try await store.migrate()
            }
        } catch {
            await store.close()
            if let e = error as? PostgresTransactionError, let inner = e.closureError as? QuarantineError { throw inner }
            throw QuarantineError.wrap(error, "cannot open PostgreSQL store")
        }
        return store
    }

    init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Arbitrary constant identifying bec-milter's migration lock.
    static let migrationLock: Int64 = 0x6265_632d_6d69_6c74

    func migrate() async throws {
        try await client.withTransaction(logger: logger) { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await conn.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)", logger: logger)
            var current = 0
            for try await v in try await conn.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger).decode(Int.self) { current = v }
            guard current <= StoreSchema.latest else {
                throw QuarantineError(.schemaTooNew, "database has schema version \(current); this bec-milter knows up to \(StoreSchema.latest)")
            }
            for m in StoreSchema.migrations where m.version > current {
                for sql in m.postgres { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: logger) }
                try await conn.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(m.version), \(m.name), \(Date()))", logger: logger)
            }
        }
    }

    private func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as PostgresTransactionError {
            // Our own errors thrown inside a transaction arrive wrapped; unwrap them.
            if let inner = e.closureError as? QuarantineError { throw inner }
            throw QuarantineError.wrap(e, what)
        } catch {
            throw QuarantineError.wrap(error, what)
        }
    }

    public func put(_ r: QuarantineRecord, audit entry: AuditEntry) async throws {
        let cols = try RecordColumns(r)
        try await run("put \(r.id)") {
            try await client.withTransaction(logger: logger) { conn in
                let exists = try await conn.query("SELECT 1 FROM quarantine WHERE id = \(r.id)", logger: logger).collect()
                if !exists.isEmpty { throw QuarantineError(.duplicate, "message \(r.id) is already stored") }
                try await conn.query("""
                    INSERT INTO quarantine (id, received_at, status, action, score, queue_id, host, mail_from, rcpts, from_header,
                      subject, message_id, symbols, evidence, envelope_json, verdict_json, size, raw)
                    VALUES (\(r.id), \(r.receivedAt), \(r.status.rawValue), \(r.verdict.action.rawValue), \(r.score), \(r.queueID),
                      \(r.host), \(r.envelope.mailFrom), \(cols.rcpts), \(r.fromHeader), \(r.subject), \(r.messageID), \(cols.symbols),
                      \(cols.evidence), \(cols.envelopeJSON)::jsonb, \(cols.verdictJSON)::jsonb, \(r.size), \(Data(r.raw)))
                    """, logger: logger)
                try await Self.insertAudit(conn, r.id, entry, logger)
            }
        }
    }

    static func insertAudit(_ conn: PostgresConnection, _ id: String, _ e: AuditEntry, _ logger: Logger) async throws {
        try await conn.query("""
            INSERT INTO audit (message_id, at, actor, action, detail, from_status, to_status)
            VALUES (\(id), \(e.at), \(e.actor), \(e.action), \(e.detail), \(e.fromStatus?.rawValue), \(e.toStatus?.rawValue))
            """, logger: logger)
    }

    public func get(_ id: String) async throws -> QuarantineRecord? {
        try await run("get \(id)") {
            let rows = try await client.query("""
                SELECT id, received_at, status, host, from_header, subject, message_id, envelope_json::text, verdict_json::text, raw
                FROM quarantine WHERE id = \(id)
                """, logger: logger)
            for try await (rid, at, status, host, from, subject, mid, env, verdict, raw) in rows.decode(
                (String, Date, String, String, String, String, String?, String, String, Data).self) {
                return QuarantineRecord(id: rid, receivedAt: at, status: try RecordColumns.status(status),
                                        envelope: try RecordColumns.decode(Envelope.self, env, "envelope"), host: host,
                                        fromHeader: from, subject: subject, messageID: mid,
                                        verdict: try RecordColumns.decode(Verdict.self, verdict, "verdict"), raw: Array(raw))
            }
            return nil
        }
    }

    public func list(_ filter: QuarantineFilter) async throws -> QuarantinePage {
        var f = SQLFilter(.postgres)
        let whereSQL = f.whereClause(filter)
        let binds = try Self.bindings(f.values)
        return try await run("list") {
            var total = 0
            for try await n in try await client.query(PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM quarantine" + whereSQL, binds: binds), logger: logger).decode(Int.self) {
                total = n
            }
            let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT \(RecordColumns.summarySelect) FROM quarantine\(whereSQL) ORDER BY received_at DESC, id DESC LIMIT \(filter.limit) OFFSET \(filter.offset)", binds: binds), logger: logger)
            var items: [QuarantineSummary] = []
            for try await (id, at, status, action, score, mailFrom, rcpts, from, subject, queueID, symbols, size) in rows.decode(
                (String, Date, String, String, Double, String?, String, String, String, String?, String, Int).self) {
                items.append(QuarantineSummary(id: id, receivedAt: at, status: try RecordColumns.status(status), action: action, score: score,
                                               mailFrom: mailFrom, recipients: RecordColumns.splitRecipients(rcpts), fromHeader: from,
                                               subject: subject, queueID: queueID, symbols: RecordColumns.splitSymbols(symbols), size: size))
            }
            return QuarantinePage(items: items, total: total, offset: filter.offset, limit: filter.limit)
        }
    }

    static func bindings(_ values: [SQLValue]) throws -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .text(let s): b.append(s)
            case .double(let d): b.append(d)
            case .int(let i): b.append(i)
            case .date(let d): b.append(d)
            }
        }
        return b
    }

    public func setStatus(_ id: String, to status: QuarantineStatus, expected: Set<QuarantineStatus>?, audit entry: AuditEntry) async throws -> QuarantineStatus {
        try await run("set status of \(id)") {
            try await client.withTransaction(logger: logger) { conn in
                var current: String? = nil
                // FOR UPDATE: a concurrent release on another host waits here and then sees the new status.
                for try await s in try await conn.query("SELECT status FROM quarantine WHERE id = \(id) FOR UPDATE", logger: logger).decode(String.self) { current = s }
                guard let current else { throw QuarantineError.notFound(id) }
                let old = try RecordColumns.status(current)
                if let expected, !expected.contains(old) {
                    throw QuarantineError(.conflict, "message \(id) is \(old.rawValue), not \(expected.map(\.rawValue).sorted().joined(separator: " or "))")
                }
                try await conn.query("UPDATE quarantine SET status = \(status.rawValue) WHERE id = \(id)", logger: logger)
                var e = entry
                e.fromStatus = old
                e.toStatus = status
                try await Self.insertAudit(conn, id, e, logger)
                return old
            }
        }
    }

    public func appendAudit(_ id: String, _ entry: AuditEntry) async throws {
        try await run("audit \(id)") {
            try await client.withTransaction(logger: logger) { conn in
                let exists = try await conn.query("SELECT 1 FROM quarantine WHERE id = \(id)", logger: logger).collect()
                if exists.isEmpty { throw QuarantineError.notFound(id) }
                try await Self.insertAudit(conn, id, entry, logger)
            }
        }
    }

    public func audit(_ id: String) async throws -> [AuditEntry] {
        try await run("audit of \(id)") {
            var out: [AuditEntry] = []
            let rows = try await client.query("SELECT at, actor, action, detail, from_status, to_status FROM audit WHERE message_id = \(id) ORDER BY seq", logger: logger)
            for try await (at, actor, action, detail, from, to) in rows.decode((Date, String, String, String, String?, String?).self) {
                out.append(AuditEntry(at: at, actor: actor, action: action, detail: detail,
                                      fromStatus: from.flatMap(QuarantineStatus.init(rawValue:)), toStatus: to.flatMap(QuarantineStatus.init(rawValue:))))
            }
            return out
        }
    }

    public func purge(_ policy: RetentionPolicy, now: Date) async throws -> PurgeResult {
        try await run("purge") {
            try await client.withTransaction(logger: logger) { conn in
                var result = PurgeResult()
                if let age = policy.maxAge {
                    let cutoff = now.addingTimeInterval(-age)
                    for try await (n, bytes) in try await conn.query("""
                        WITH gone AS (DELETE FROM quarantine WHERE received_at < \(cutoff) RETURNING size)
                        SELECT COUNT(*), COALESCE(SUM(size), 0)::bigint FROM gone
                        """, logger: logger).decode((Int, Int).self) {
                        result.byAge = n
                        result.bytesFreed += bytes
                    }
                }
                if let cap = policy.maxTotalBytes {
                    // Keep the newest records whose running total fits under the cap; delete the rest.
                    for try await (n, bytes) in try await conn.query("""
                        WITH ranked AS (SELECT id, size, SUM(size) OVER (ORDER BY received_at DESC, id DESC) AS running FROM quarantine),
                             gone AS (DELETE FROM quarantine WHERE id IN (SELECT id FROM ranked WHERE running > \(cap)) RETURNING size)
                        SELECT COUNT(*), COALESCE(SUM(size), 0)::bigint FROM gone
                        """, logger: logger).decode((Int, Int).self) {
                        result.bySize = n
                        result.bytesFreed += bytes
                    }
                }
                return result
            }
        }
    }

    public func addUser(_ user: QuarantineUser, replace: Bool) async throws {
        try await run("add user \(user.name)") {
            if replace {
                try await client.query("""
                    INSERT INTO users (name, role, password_hash, created_at) VALUES (\(user.name), \(user.role.rawValue), \(user.passwordHash), \(user.createdAt))
                    ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, password_hash = EXCLUDED.password_hash
                    """, logger: logger)
                return
            }
            let rows = try await client.query("""
                INSERT INTO users (name, role, password_hash, created_at) VALUES (\(user.name), \(user.role.rawValue), \(user.passwordHash), \(user.createdAt))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger).collect()
            if rows.isEmpty { throw QuarantineError(.duplicate, "user \(user.name) exists") }
        }
    }

    public func user(named name: String) async throws -> QuarantineUser? {
        try await fetchUsers("SELECT name, role, password_hash, created_at FROM users WHERE name = \(name)").first
    }

    public func users() async throws -> [QuarantineUser] {
        try await fetchUsers("SELECT name, role, password_hash, created_at FROM users ORDER BY name")
    }

    private func fetchUsers(_ q: PostgresQuery) async throws -> [QuarantineUser] {
        try await run("users") {
            var out: [QuarantineUser] = []
            for try await (name, role, hash, created) in try await client.query(q, logger: logger).decode((String, String, String, Date).self) {
                if let r = UserRole(rawValue: role) { out.append(QuarantineUser(name: name, role: r, passwordHash: hash, createdAt: created)) }
            }
            return out
        }
    }

    public func removeUser(named name: String) async throws {
        try await run("remove user \(name)") {
            let rows = try await client.query("DELETE FROM users WHERE name = \(name) RETURNING name", logger: logger).collect()
            if rows.isEmpty { throw QuarantineError(.notFound, "no user \(name)") }
        }
    }

    public func ping() async throws {
        try await run("ping") { _ = try await client.query("SELECT 1", logger: logger).collect() }
    }

    public func schemaVersion() async throws -> Int {
        try await run("schema version") {
            var v = 0
            for try await n in try await client.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger).decode(Int.self) { v = n }
            return v
        }
    }

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }
}
