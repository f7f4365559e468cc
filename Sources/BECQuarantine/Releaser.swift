import Foundation

/// Puts a quarantined message back on its way, or throws it away, in the MTA.
/// Implementations: `PostsuperReleaser` (Postfix hold queue), `SMTPReleaser` (re-submission to a relay
/// that bypasses the milter) and `FallbackReleaser` (the first, else the second: the default).
public protocol Releaser: Sendable {
    /// Delivers the message as received. Returns a one-line report for the audit trail.
    func release(_ record: QuarantineRecord) async throws -> String
    /// Removes the held copy from the MTA if there is one. Returns a one-line report.
    func delete(_ record: QuarantineRecord) async throws -> String
    /// Describes the method for logs and the UI ("postsuper -H", "SMTP 127.0.0.1:10026").
    var name: String { get }
}

/// Tries `primary`; when it reports the message is not where it can act (`.notFound`), tries `fallback`.
public struct FallbackReleaser: Releaser {
    public let primary: any Releaser
    public let fallback: any Releaser

    public init(primary: any Releaser, fallback: any Releaser) {
        self.primary = primary
        self.fallback = fallback
    }

    public var name: String { "\(primary.name), else \(fallback.name)" }

    public func release(_ record: QuarantineRecord) async throws -> String {
        do {
            return try await primary.release(record)
        } catch let e as QuarantineError where e.code == .notFound {
            return "\(e.message); " + (try await fallback.release(record))
        }
    }

    public func delete(_ record: QuarantineRecord) async throws -> String {
        do {
            return try await primary.delete(record)
        } catch let e as QuarantineError where e.code == .notFound {
            return "\(e.message); " + (try await fallback.delete(record))
        }
    }
}

/// A releaser that only records what it was asked (tests, and `release.method: none` for a UI without MTA access).
public actor RecordingReleaser: Releaser {
    public private(set) var released: [String] = []
    public private(set) var deleted: [String] = []
    public nonisolated let name = "none (recorded only)"
    private let failure: QuarantineError?

    public init(failure: QuarantineError? = nil) { self.failure = failure }

    public func release(_ record: QuarantineRecord) throws -> String {
        if let failure { throw failure }
        released.append(record.id)
        return "recorded release of \(record.id)"
    }

    public func delete(_ record: QuarantineRecord) throws -> String {
        if let failure { throw failure }
        deleted.append(record.id)
        return "recorded delete of \(record.id)"
    }
}

/// `release.method: none`: the UI can review and mark, but release and delete refuse (and the status stays).
public struct DisabledReleaser: Releaser {
    public init() {}
    public var name: String { "nothing (release disabled)" }

    public func release(_ record: QuarantineRecord) async throws -> String {
        throw QuarantineError(.releaseFailed, "release is disabled (quarantine.release.method: none)")
    }

    public func delete(_ record: QuarantineRecord) async throws -> String {
        throw QuarantineError(.releaseFailed, "delete is disabled (quarantine.release.method: none)")
    }
}
