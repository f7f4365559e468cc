import BECCore
import Foundation
import GRDB

/// The embedded default store: one SQLite file (WAL mode, so the milter writes while the web UI reads),
/// normally `<state_dir>/quarantine.sqlite`. Created with mode 0640 in a 0750 directory: it holds mail.
public final class SQLiteQuarantineStore: QuarantineStore {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    /// - Parameter busyTimeout: how long a write waits for another process's write lock.
    public init(path: String, busyTimeout: TimeInterval = 10) throws {
        self.path = path
        do {
            let fresh = try SQLiteFile.prepare(path)
            var config = Configuration()
            config.busyMode = .timeout(busyTimeout)
            config.foreignKeysEnabled = true
            config.label = "bec-quarantine"
            config.prepareDatabase { db in
                db.add(function: DatabaseFunction("bec_contains", argumentCount: 2, pure: true) { args in
                    // Unicode-aware, like QuarantineFilter.matches (SQLite's lower() is ASCII only).
                    guard let hay = String.fromDatabaseValue(args[0]), let needle = String.fromDatabaseValue(args[1]) else { return false }
                    return hay.lowercased().contains(needle.lowercased())
                })
            }
            pool = try DatabasePool(path: path, configuration: config)
            if fresh { SQLiteFile.restrict(path) }
            try migrate()
        } catch {
            throw QuarantineError.wrap(error, "cannot open SQLite store \(path)")
        }
    }

    func migrate() throws {
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, applied_at REAL NOT NULL)")
            let current = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0
            guard current <= StoreSchema.latest else {
                throw QuarantineError(.schemaTooNew, "\(path) has schema version \(current); this bec-milter knows up to \(StoreSchema.latest)")
            }
            for m in StoreSchema.migrations where m.version > current {
                for sql in m.sqlite { try db.execute(sql: sql) }
                try db.execute(sql: "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                               arguments: [m.version, m.name, Date().timeIntervalSince1970])
            }
        }
    }

    /// Runs `body`, turning driver errors into `QuarantineError`.
    private func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw QuarantineError.wrap(error, what) }
    }

    public func put(_ r: QuarantineRecord, audit entry: AuditEntry) async throws {
        let cols = try RecordColumns(r)
        try await run("put \(r.id)") {
            try await pool.write { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM quarantine WHERE id = ?", arguments: [r.id]) == true {
                    throw QuarantineError(.duplicate, "message \(r.id) is already stored")
                }
                try db.execute(sql: """
                    INSERT INTO quarantine (id, received_at, status, action, score, queue_id, host, mail_from, rcpts, from_header,
                      subject, message_id, symbols, evidence, envelope_json, verdict_json, size, raw)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [r.id, r.receivedAt.timeIntervalSince1970, r.status.rawValue, r.verdict.action.rawValue, r.score,
                                     r.queueID, r.host, r.envelope.mailFrom, cols.rcpts, r.fromHeader, r.subject, r.messageID,
                                     cols.symbols, cols.evidence, cols.envelopeJSON, cols.verdictJSON, r.size, Data(r.raw)])
                try Self.insertAudit(db, r.id, entry)
            }
        }
    }

    static func insertAudit(_ db: Database, _ id: String, _ e: AuditEntry) throws {
        try db.execute(sql: "INSERT INTO audit (message_id, at, actor, action, detail, from_status, to_status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [id, e.at.timeIntervalSince1970, e.actor, e.action, e.detail, e.fromStatus?.rawValue, e.toStatus?.rawValue])
    }

    public func get(_ id: String) async throws -> QuarantineRecord? {
        try await run("get \(id)") {
            try await pool.read { db -> QuarantineRecord? in
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT id, received_at, status, host, from_header, subject, message_id, envelope_json, verdict_json, raw
                    FROM quarantine WHERE id = ?
                    """, arguments: [id]) else { return nil }
                let raw: Data = row["raw"]
                return QuarantineRecord(
                    id: row["id"], receivedAt: Date(timeIntervalSince1970: row["received_at"]), status: try RecordColumns.status(row["status"]),
                    envelope: try RecordColumns.decode(Envelope.self, row["envelope_json"], "envelope"), host: row["host"],
                    fromHeader: row["from_header"], subject: row["subject"], messageID: row["message_id"],
                    verdict: try RecordColumns.decode(Verdict.self, row["verdict_json"], "verdict"), raw: Array(raw))
            }
        }
    }

    public func list(_ filter: QuarantineFilter) async throws -> QuarantinePage {
        var f = SQLFilter(.sqlite)
        let whereSQL = f.whereClause(filter)
        let args = StatementArguments(f.values.map(Self.value))
        return try await run("list") {
            try await pool.read { db in
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM quarantine" + whereSQL, arguments: args) ?? 0
                let rows = try Row.fetchAll(db, sql: "SELECT \(RecordColumns.summarySelect) FROM quarantine\(whereSQL) ORDER BY received_at DESC, id DESC LIMIT \(filter.limit) OFFSET \(filter.offset)", arguments: args)
                let items = try rows.map { row in
                    QuarantineSummary(id: row["id"], receivedAt: Date(timeIntervalSince1970: row["received_at"]),
                                      status: try RecordColumns.status(row["status"]), action: row["action"], score: row["score"],
                                      mailFrom: row["mail_from"], recipients: RecordColumns.splitRecipients(row["rcpts"]),
                                      fromHeader: row["from_header"], subject: row["subject"], queueID: row["queue_id"],
                                      symbols: RecordColumns.splitSymbols(row["symbols"]), size: row["size"])
                }
                return QuarantinePage(items: items, total: total, offset: filter.offset, limit: filter.limit)
            }
        }
    }

    static func value(_ v: SQLValue) -> (any DatabaseValueConvertible)? {
        switch v {
        case .text(let s): s
        case .double(let d): d
        case .int(let i): i
        case .date(let d): d.timeIntervalSince1970
        }
    }

    public func setStatus(_ id: String, to status: QuarantineStatus, expected: Set<QuarantineStatus>?, audit entry: AuditEntry) async throws -> QuarantineStatus {
        try await run("set status of \(id)") {
            try await pool.write { db in
                guard let s = try String.fetchOne(db, sql: "SELECT status FROM quarantine WHERE id = ?", arguments: [id]) else {
                    throw QuarantineError.notFound(id)
                }
                let old = try RecordColumns.status(s)
                if let expected, !expected.contains(old) {
                    throw QuarantineError(.conflict, "message \(id) is \(old.rawValue), not \(expected.map(\.rawValue).sorted().joined(separator: " or "))")
                }
                try db.execute(sql: "UPDATE quarantine SET status = ? WHERE id = ?", arguments: [status.rawValue, id])
                var e = entry
                e.fromStatus = old
                e.toStatus = status
                try Self.insertAudit(db, id, e)
                return old
            }
        }
    }

    public func appendAudit(_ id: String, _ entry: AuditEntry) async throws {
        try await run("audit \(id)") {
            try await pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM quarantine WHERE id = ?", arguments: [id]) == true else {
                    throw QuarantineError.notFound(id)
                }
                try Self.insertAudit(db, id, entry)
            }
        }
    }

    public func audit(_ id: String) async throws -> [AuditEntry] {
        try await run("audit of \(id)") {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT at, actor, action, detail, from_status, to_status FROM audit WHERE message_id = ? ORDER BY seq",
                                 arguments: [id]).map { row in
                    AuditEntry(at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"], action: row["action"], detail: row["detail"],
                               fromStatus: (row["from_status"] as String?).flatMap(QuarantineStatus.init(rawValue:)),
                               toStatus: (row["to_status"] as String?).flatMap(QuarantineStatus.init(rawValue:)))
                }
            }
        }
    }

    public func purge(_ policy: RetentionPolicy, now: Date) async throws -> PurgeResult {
        try await run("purge") {
            try await pool.write { db in
                var result = PurgeResult()
                if let age = policy.maxAge {
                    let cutoff = now.addingTimeInterval(-age).timeIntervalSince1970
                    result.bytesFreed += try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM quarantine WHERE received_at < ?", arguments: [cutoff]) ?? 0
                    try db.execute(sql: "DELETE FROM quarantine WHERE received_at < ?", arguments: [cutoff])
                    result.byAge = db.changesCount
                }
                if let cap = policy.maxTotalBytes {
                    var total = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(size), 0) FROM quarantine") ?? 0
                    guard total > cap else { return result }
                    // Oldest first until the rest fits.
                    for row in try Row.fetchAll(db, sql: "SELECT id, size FROM quarantine ORDER BY received_at, id") {
                        guard total > cap else { break }
                        let size: Int = row["size"]
                        try db.execute(sql: "DELETE FROM quarantine WHERE id = ?", arguments: [row["id"] as String])
                        total -= size
                        result.bySize += 1
                        result.bytesFreed += size
                    }
                }
                return result
            }
        }
    }

    public func addUser(_ user: QuarantineUser, replace: Bool) async throws {
        try await run("add user \(user.name)") {
            try await pool.write { db in
                if !replace, try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE name = ?", arguments: [user.name]) == true {
                    throw QuarantineError(.duplicate, "user \(user.name) exists")
                }
                try db.execute(sql: "INSERT OR REPLACE INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [user.name, user.role.rawValue, user.passwordHash, user.createdAt.timeIntervalSince1970])
            }
        }
    }

    public func user(named name: String) async throws -> QuarantineUser? {
        try await run("user \(name)") {
            try await pool.read { db in
                try Row.fetchOne(db, sql: "SELECT name, role, password_hash, created_at FROM users WHERE name = ?", arguments: [name]).flatMap(Self.user)
            }
        }
    }

    public func users() async throws -> [QuarantineUser] {
        try await run("users") {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT name, role, password_hash, created_at FROM users ORDER BY name").compactMap(Self.user)
            }
        }
    }

    static func user(_ row: Row) -> QuarantineUser? {
        guard let role = UserRole(rawValue: row["role"]) else { return nil }
        return QuarantineUser(name: row["name"], role: role, passwordHash: row["password_hash"],
                              createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    public func removeUser(named name: String) async throws {
        try await run("remove user \(name)") {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name])
                if db.changesCount == 0 { throw QuarantineError(.notFound, "no user \(name)") }
            }
        }
    }

    public func ping() async throws {
        _ = try await run("ping") { try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") } }
    }

    public func schemaVersion() async throws -> Int {
        try await run("schema version") {
            try await pool.read { db in try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(version), 0) FROM schema_migrations") ?? 0 }
        }
    }

    public func close() async {
        try? pool.close()
    }
}
