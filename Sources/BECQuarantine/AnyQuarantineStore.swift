import Foundation

/// A concrete wrapper around any store, for generic code (`QuarantineActions`, `WebApp`) when the
/// store is chosen at run time from the configuration.
public struct AnyQuarantineStore: QuarantineStore {
    public let base: any QuarantineStore

    public init(_ base: any QuarantineStore) { self.base = base }

    public func put(_ record: QuarantineRecord, audit entry: AuditEntry) async throws { try await base.put(record, audit: entry) }
    public func get(_ id: String) async throws -> QuarantineRecord? { try await base.get(id) }
    public func list(_ filter: QuarantineFilter) async throws -> QuarantinePage { try await base.list(filter) }
    public func setStatus(_ id: String, to status: QuarantineStatus, expected: Set<QuarantineStatus>?, audit entry: AuditEntry) async throws -> QuarantineStatus {
        try await base.setStatus(id, to: status, expected: expected, audit: entry)
    }
    public func appendAudit(_ id: String, _ entry: AuditEntry) async throws { try await base.appendAudit(id, entry) }
    public func audit(_ id: String) async throws -> [AuditEntry] { try await base.audit(id) }
    public func purge(_ policy: RetentionPolicy, now: Date) async throws -> PurgeResult { try await base.purge(policy, now: now) }
    public func addUser(_ user: QuarantineUser, replace: Bool) async throws { try await base.addUser(user, replace: replace) }
    public func user(named name: String) async throws -> QuarantineUser? { try await base.user(named: name) }
    public func users() async throws -> [QuarantineUser] { try await base.users() }
    public func removeUser(named name: String) async throws { try await base.removeUser(named: name) }
    public func ping() async throws { try await base.ping() }
    public func schemaVersion() async throws -> Int { try await base.schemaVersion() }
    public func close() async { await base.close() }
}
