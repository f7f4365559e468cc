/// Store and release failures: a stable code plus the context a log line or an error page needs.
public struct QuarantineError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The record (or user) does not exist.
        case notFound = "not_found"
        /// A record with this id (or a user with this name) exists already.
        case duplicate
        /// The record is not in a status that allows the change (e.g. releasing a deleted message).
        case conflict
        /// The store did not answer in time (the milter applies its failure policy).
        case timeout
        /// The store is unreachable or failed.
        case unavailable
        /// The schema is newer than this program knows.
        case schemaTooNew = "schema_too_new"
        /// Bad configuration or argument (bad URL, bad user name, ...).
        case invalid
        /// The release or delete in Postfix or at the relay failed.
        case releaseFailed = "release_failed"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    static func notFound(_ id: String) -> QuarantineError { QuarantineError(.notFound, "no quarantined message \(id)") }

    /// Wraps a driver error as `.unavailable` unless it already is a `QuarantineError`.
    static func wrap(_ error: any Error, _ what: String) -> QuarantineError {
        if let e = error as? QuarantineError { return e }
        return QuarantineError(.unavailable, "\(what): \(String(reflecting: error))")
    }
}
