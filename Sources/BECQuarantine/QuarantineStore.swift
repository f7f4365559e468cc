import BECCore
import Foundation

/// Where quarantined messages, their audit trails and the web logins live. Implementations:
/// `MemoryQuarantineStore` (unit tests), `SQLiteQuarantineStore` (embedded default) and
/// `PostgresQuarantineStore` (several milter hosts). All run their schema migrations when opened.
///
/// Every method may throw `QuarantineError`; drivers' errors arrive wrapped as `.unavailable`.
public protocol QuarantineStore: Sendable {
    /// Stores a new record together with the first entry of its audit trail, atomically. The milter
    /// calls this before it answers Postfix with the quarantine action (see `BlockingQuarantineWriter`).
    /// Throws `.duplicate` if the id exists.
    func put(_ record: QuarantineRecord, audit entry: AuditEntry) async throws

    /// The record with this id, message bytes included, or nil.
    func get(_ id: String) async throws -> QuarantineRecord?

    /// Records matching `filter`, newest first, one page of summaries plus the total count.
    func list(_ filter: QuarantineFilter) async throws -> QuarantinePage

    /// Moves a record to `entry.toStatus` and appends `entry` to its audit trail, atomically.
    /// When `expected` is given the change happens only if the current status is one of them,
    /// else `.conflict` (so two analysts cannot both release one message). Returns the previous status.
    @discardableResult
    func setStatus(_ id: String, to status: QuarantineStatus, expected: Set<QuarantineStatus>?, audit entry: AuditEntry) async throws -> QuarantineStatus

    /// Appends an entry without changing the status (e.g. `release_failed`, `viewed_raw`).
    func appendAudit(_ id: String, _ entry: AuditEntry) async throws

    /// The audit trail of a record, oldest first.
    func audit(_ id: String) async throws -> [AuditEntry]

    /// Applies retention as of `now`.
    func purge(_ policy: RetentionPolicy, now: Date) async throws -> PurgeResult

    /// Adds a web user; with `replace` an existing user's role and hash are overwritten, else `.duplicate`.
    func addUser(_ user: QuarantineUser, replace: Bool) async throws
    func user(named name: String) async throws -> QuarantineUser?
    func users() async throws -> [QuarantineUser]
    /// Removes a user; `.notFound` if there is none.
    func removeUser(named name: String) async throws

    /// Cheap round trip to the backing database (for /health and start-up checks).
    func ping() async throws

    /// The applied schema version (0 for the in-memory store).
    func schemaVersion() async throws -> Int

    /// Releases connections. The store must not be used afterwards.
    func close() async
}

extension QuarantineStore {
    /// The user when `password` matches their bcrypt hash. Unknown names take as long as wrong passwords.
    public func verify(name: String, password: String) async throws -> QuarantineUser? {
        guard let u = try await user(named: name) else {
            _ = PasswordHasher.verify(password, hash: PasswordHasher.decoy)
            return nil
        }
        return PasswordHasher.verify(password, hash: u.passwordHash) ? u : nil
    }

    /// Stores a record with the audit entry `quarantine` by `actor` (default `milter`).
    public func put(_ record: QuarantineRecord, actor: String = "milter") async throws {
        try await put(record, audit: AuditEntry.received(record, actor: actor))
    }
}

extension AuditEntry {
    /// The first entry of every trail: who stored the record and with what verdict.
    public static func received(_ record: QuarantineRecord, actor: String) -> AuditEntry {
        AuditEntry(at: record.receivedAt, actor: actor, action: "quarantine",
                   detail: "\(record.verdict.action.rawValue) score \(VerdictFormatter.format(record.score))"
                       + (record.queueID.map { " queue id \($0)" } ?? ""),
                   toStatus: record.status)
    }
}
