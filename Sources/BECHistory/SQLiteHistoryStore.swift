import BECCore
import Foundation
import BECQuarantine
import GRDB

/// The embedded default: one SQLite file in WAL mode (`<state_dir>/history.sqlite`), shared by the
/// milter's threads and the `history` commands. Created 0640 in a 0750 directory: it lists who the
/// organization corresponds with.
public final class SQLiteHistoryStore: HistoryStore, SynchronousHistoryLookup {
    let pool: DatabasePool
    public let path: String

    public init(path: String, busyTimeout: TimeInterval = 5) throws {
        self.path = path
        do {
            let fresh = try SQLiteFile.prepare(path)
            var config = Configuration()
            config.busyMode = .timeout(busyTimeout)
            config.label = "bec-history"
            // Lookups come from many libmilter threads at once; WAL readers never block the writer.
            config.maximumReaderCount = 16
            pool = try DatabasePool(path: path, configuration: config)
            if fresh { SQLiteFile.restrict(path) }
            try pool.write { db in
                for sql in HistorySchema.statements(bigint: "INTEGER") { try db.execute(sql: sql) }
                try db.execute(sql: "INSERT OR IGNORE INTO hist_meta (key, value) VALUES ('schema_version', ?)", arguments: [HistorySchema.version])
            }
        } catch {
            throw HistoryError("cannot open history store sqlite:\(path): \(error)")
        }
    }

    private func run<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as HistoryError { throw e } catch { throw HistoryError("history \(what): \(error)") }
    }

    public func lookup(_ q: HistoryQuery) async throws -> HistoryFacts {
        try await run("lookup") { try await pool.read { db in try Self.lookup(q, db) } }
    }

    public func lookupNow(_ q: HistoryQuery) throws -> HistoryFacts {
        do { return try pool.read { db in try Self.lookup(q, db) } } catch { throw HistoryError("history lookup: \(error)") }
    }

    public func metaNow(_ key: String) throws -> String? {
        do { return try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM hist_meta WHERE key = ?", arguments: [key]) } } catch {
            throw HistoryError("history meta: \(error)")
        }
    }

    static func lookup(_ q: HistoryQuery, _ db: Database) throws -> HistoryFacts {
        var f = HistoryFacts()
        f.senderKnown = try Bool.fetchOne(db, sql: "SELECT 1 FROM hist_address WHERE addr = ?", arguments: [q.sender]) ?? false
        f.senderDomainKnown = try f.senderKnown
            || (Bool.fetchOne(db, sql: "SELECT 1 FROM hist_address WHERE domain = ? LIMIT 1", arguments: [q.senderDomain]) ?? false)
        if !q.recipients.isEmpty {
            let marks = Array(repeating: "?", count: q.recipients.count).joined(separator: ",")
            f.senderKnownToRecipient = try Bool.fetchOne(db, sql: "SELECT 1 FROM hist_pair WHERE remote = ? AND local IN (\(marks)) LIMIT 1",
                                                         arguments: StatementArguments([q.sender] + q.recipients)) ?? false
        }
        if let name = q.nameKey {
            f.displayNameBoundTo = try String.fetchAll(db, sql: "SELECT addr FROM hist_binding WHERE name = ? AND domain <> ? ORDER BY last_seen DESC LIMIT 5",
                                                       arguments: [name, q.senderDomain])
        }
        if !q.replyTos.isEmpty {
            let seen = Set(try String.fetchAll(db, sql: "SELECT reply_to FROM hist_replyto WHERE addr = ?", arguments: [q.sender]))
            f.newReplyTo = q.replyTos.filter { !seen.contains($0) }
        }
        if !q.threadIDs.isEmpty {
            let marks = Array(repeating: "?", count: q.threadIDs.count).joined(separator: ",")
            let seen = Set(try String.fetchAll(db, sql: "SELECT id FROM hist_msgid WHERE id IN (\(marks))", arguments: StatementArguments(q.threadIDs)))
            f.unseenThreadIDs = q.threadIDs.filter { !seen.contains($0) }
            f.threadIDsReferenced = q.threadIDs.count
        }
        return f
    }

    public func learn(_ batch: [HistoryLesson]) async throws {
        let now = Date()
        try await run("learn") {
            try await pool.write { db in
                for l in batch {
                    let t = Int64((l.time ?? now).timeIntervalSince1970)
                    let out: Int64 = l.direction == .outbound ? 1 : 0
                    for a in l.correspondents {
                        try db.execute(sql: HistorySchema.upsertAddress(min: "min", max: "max"),
                                       arguments: [a.address, a.domain, t, t, out, 1 - out])
                    }
                    for p in l.pairs { try db.execute(sql: HistorySchema.upsertPair(min: "min", max: "max"), arguments: [p.remote, p.local, t, t]) }
                    for b in l.bindings {
                        if !b.authoritative, try Bool.fetchOne(db, sql: HistorySchema.bindingBlocked, arguments: [b.nameKey, b.domain]) == true { continue }
                        try db.execute(sql: HistorySchema.upsertBinding(min: "min", max: "max"),
                                       arguments: [b.nameKey, b.address, b.domain, t, t, b.authoritative ? 1 : 0])
                    }
                    for r in l.replyTos { try db.execute(sql: HistorySchema.upsertReplyTo(min: "min", max: "max"), arguments: [r.sender, r.replyTo, t, t]) }
                    for id in l.messageIDs { try db.execute(sql: HistorySchema.upsertMessageID(max: "max"), arguments: [id, t, l.direction.rawValue]) }
                }
            }
        }
    }

    public func address(_ key: String, domain: String) async throws -> AddressHistory {
        try await run("show") {
            try await pool.read { db in
                var h = AddressHistory(address: key)
                if let row = try Row.fetchOne(db, sql: "SELECT first_seen, last_seen, n_out, n_in FROM hist_address WHERE addr = ?", arguments: [key]) {
                    h.known = true
                    h.firstSeen = Date(timeIntervalSince1970: TimeInterval(row[0] as Int64))
                    h.lastSeen = Date(timeIntervalSince1970: TimeInterval(row[1] as Int64))
                    h.messagesFromUs = Int(row[2] as Int64)
                    h.messagesToUs = Int(row[3] as Int64)
                }
                h.domainKnown = try Bool.fetchOne(db, sql: "SELECT 1 FROM hist_address WHERE domain = ? LIMIT 1", arguments: [domain]) ?? false
                h.correspondents = try String.fetchAll(db, sql: "SELECT local FROM hist_pair WHERE remote = ? ORDER BY last_seen DESC LIMIT 50", arguments: [key])
                h.names = try String.fetchAll(db, sql: "SELECT name FROM hist_binding WHERE addr = ? ORDER BY last_seen DESC LIMIT 20", arguments: [key])
                h.replyTos = try String.fetchAll(db, sql: "SELECT reply_to FROM hist_replyto WHERE addr = ? ORDER BY last_seen DESC LIMIT 20", arguments: [key])
                return h
            }
        }
    }

    public func meta(_ key: String) async throws -> String? {
        try await run("meta") { try await pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM hist_meta WHERE key = ?", arguments: [key]) } }
    }

    public func setMeta(_ key: String, _ value: String, onlyIfAbsent: Bool) async throws {
        try await run("meta") {
            try await pool.write { db in
                try db.execute(sql: onlyIfAbsent ? "INSERT OR IGNORE INTO hist_meta (key, value) VALUES (?, ?)"
                                                 : "INSERT OR REPLACE INTO hist_meta (key, value) VALUES (?, ?)", arguments: [key, value])
            }
        }
    }

    public func prune(seenBefore: Date, messageIDsBefore: Date, maxEntries: Int) async throws -> Int {
        let old = Int64(seenBefore.timeIntervalSince1970), oldIDs = Int64(messageIDsBefore.timeIntervalSince1970)
        return try await run("prune") {
            try await pool.write { db in
                var n = 0
                for t in HistorySchema.tables {
                    try db.execute(sql: "DELETE FROM \(t) WHERE last_seen < ?", arguments: [t == "hist_msgid" ? oldIDs : old])
                    n += db.changesCount
                    try db.execute(sql: "DELETE FROM \(t) WHERE rowid IN (SELECT rowid FROM \(t) ORDER BY last_seen ASC LIMIT max(0, (SELECT count(*) FROM \(t)) - ?))",
                                   arguments: [maxEntries])
                    n += db.changesCount
                }
                return n
            }
        }
    }

    public func counts() async throws -> [String: Int] {
        try await run("counts") {
            try await pool.read { db in
                var c: [String: Int] = [:]
                for t in HistorySchema.tables { c[t] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(t)") ?? 0 }
                return c
            }
        }
    }

    public func close() async {}
}
