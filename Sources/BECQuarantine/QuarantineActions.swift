import Foundation

/// What an analyst can do to a quarantined message, shared by the web UI and the CLI. Every action
/// goes to the audit trail. Release and delete first claim the record (compare-and-set from a
/// pending status), so two analysts cannot both release one message; a failed MTA step puts the
/// status back and records why.
public struct QuarantineActions<Store: QuarantineStore>: Sendable {
    public let store: Store
    public let releaser: any Releaser
    let now: @Sendable () -> Date

    public init(store: Store, releaser: any Releaser, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.releaser = releaser
        self.now = now
    }

    /// Delivers the message as received; returns the releaser's report.
    @discardableResult
    public func release(_ id: String, by actor: String) async throws -> String {
        try await act(id, actor, to: .released, verb: "release") { try await releaser.release($0) }
    }

    /// Removes the held copy from Postfix and marks the record deleted (the record stays for its audit trail until retention).
    @discardableResult
    public func delete(_ id: String, by actor: String) async throws -> String {
        try await act(id, actor, to: .deleted, verb: "delete") { try await releaser.delete($0) }
    }

    /// Marks a pending message as a false positive or as confirmed BEC; it stays held.
    public func mark(_ id: String, as status: QuarantineStatus, by actor: String, note: String = "") async throws {
        guard status == .falsePositive || status == .confirmedBEC || status == .held else {
            throw QuarantineError(.invalid, "a mark is false_positive, confirmed_bec or held, not \(status.rawValue)")
        }
        let action = status == .held ? "unmark" : "mark_\(status.rawValue)"
        try await store.setStatus(id, to: status, expected: QuarantineStatus.pending,
                                  audit: AuditEntry(at: now(), actor: actor, action: action, detail: String(note.prefix(500))))
    }

    private func act(_ id: String, _ actor: String, to status: QuarantineStatus, verb: String,
                     _ effect: (QuarantineRecord) async throws -> String) async throws -> String {
        guard let record = try await store.get(id) else { throw QuarantineError.notFound(id) }
        let previous = try await store.setStatus(id, to: status, expected: QuarantineStatus.pending,
                                                 audit: AuditEntry(at: now(), actor: actor, action: verb, detail: "via \(releaser.name)"))
        do {
            let report = try await effect(record)
            try await store.appendAudit(id, AuditEntry(at: now(), actor: actor, action: "\(verb)_done", detail: report))
            return report
        } catch {
            let why = (error as? QuarantineError)?.description ?? "\(error)"
            _ = try? await store.setStatus(id, to: previous, expected: [status],
                                           audit: AuditEntry(at: now(), actor: actor, action: "\(verb)_failed", detail: String(why.prefix(1000))))
            throw error
        }
    }
}
