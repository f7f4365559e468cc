import Foundation

/// A store in memory, for unit tests and for trying the web UI without a database.
public actor MemoryQuarantineStore: QuarantineStore {
    private var records: [String: QuarantineRecord] = [:]
    private var trails: [String: [AuditEntry]] = [:]
    private var logins: [String: QuarantineUser] = [:]

    public init() {}

    public func put(_ record: QuarantineRecord, audit entry: AuditEntry) throws {
        guard records[record.id] == nil else { throw QuarantineError(.duplicate, "message \(record.id) is already stored") }
        records[record.id] = record
        trails[record.id] = [entry]
    }

    public func get(_ id: String) -> QuarantineRecord? { records[id] }

    public func list(_ filter: QuarantineFilter) -> QuarantinePage {
        let all = records.values.filter(filter.matches).sorted(by: Self.newestFirst)
        let page = all.dropFirst(filter.offset).prefix(filter.limit).map(\.summary)
        return QuarantinePage(items: Array(page), total: all.count, offset: filter.offset, limit: filter.limit)
    }

    /// Newest first; ties broken by id so paging is stable.
    static func newestFirst(_ a: QuarantineRecord, _ b: QuarantineRecord) -> Bool {
        a.receivedAt != b.receivedAt ? a.receivedAt > b.receivedAt : a.id > b.id
    }

    public func setStatus(_ id: String, to status: QuarantineStatus, expected: Set<QuarantineStatus>?, audit entry: AuditEntry) throws -> QuarantineStatus {
        guard var r = records[id] else { throw QuarantineError.notFound(id) }
        let old = r.status
        if let expected, !expected.contains(old) {
            throw QuarantineError(.conflict, "message \(id) is \(old.rawValue), not \(expected.map(\.rawValue).sorted().joined(separator: " or "))")
        }
        r.status = status
        records[id] = r
        var e = entry
        e.fromStatus = old
        e.toStatus = status
        trails[id, default: []].append(e)
        return old
    }

    public func appendAudit(_ id: String, _ entry: AuditEntry) throws {
        guard records[id] != nil else { throw QuarantineError.notFound(id) }
        trails[id, default: []].append(entry)
    }

    public func audit(_ id: String) -> [AuditEntry] { trails[id] ?? [] }

    public func purge(_ policy: RetentionPolicy, now: Date) -> PurgeResult {
        var result = PurgeResult()
        if let age = policy.maxAge {
            let cutoff = now.addingTimeInterval(-age)
            for r in records.values where r.receivedAt < cutoff {
                remove(r.id, &result)
                result.byAge += 1
            }
        }
        if let cap = policy.maxTotalBytes {
            var total = records.values.reduce(0) { $0 + $1.size }
            for r in records.values.sorted(by: Self.newestFirst).reversed() where total > cap {
                total -= r.size
                remove(r.id, &result)
                result.bySize += 1
            }
        }
        return result
    }

    private func remove(_ id: String, _ result: inout PurgeResult) {
        result.bytesFreed += records[id]?.size ?? 0
        records[id] = nil
        trails[id] = nil
    }

    public func addUser(_ user: QuarantineUser, replace: Bool) throws {
        if !replace && logins[user.name] != nil { throw QuarantineError(.duplicate, "user \(user.name) exists") }
        logins[user.name] = user
    }

    public func user(named name: String) -> QuarantineUser? { logins[name] }

    public func users() -> [QuarantineUser] { logins.values.sorted { $0.name < $1.name } }

    public func removeUser(named name: String) throws {
        guard logins.removeValue(forKey: name) != nil else { throw QuarantineError(.notFound, "no user \(name)") }
    }

    public func ping() {}
    public func schemaVersion() -> Int { 0 }
    public func close() {}
}
