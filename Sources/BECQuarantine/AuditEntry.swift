import Foundation

/// One line of a record's append-only audit trail: who did what, when, and how the status moved.
/// Stores never update or delete an entry (the SQL stores enforce it with a trigger); entries go
/// only when retention purges the whole record.
public struct AuditEntry: Sendable, Equatable, Codable {
    public var at: Date
    /// The analyst's login, or `milter`, `cli:<user>`, `retention`.
    public var actor: String
    /// What was done: `quarantine`, `release`, `release_failed`, `delete`, `mark_false_positive`, `mark_confirmed_bec`, ...
    public var action: String
    /// Free text: the releaser's report, an error, a note.
    public var detail: String
    public var fromStatus: QuarantineStatus?
    public var toStatus: QuarantineStatus?

    public init(at: Date, actor: String, action: String, detail: String = "",
                fromStatus: QuarantineStatus? = nil, toStatus: QuarantineStatus? = nil) {
        self.at = at
        self.actor = actor
        self.action = action
        self.detail = detail
        self.fromStatus = fromStatus
        self.toStatus = toStatus
    }
}
