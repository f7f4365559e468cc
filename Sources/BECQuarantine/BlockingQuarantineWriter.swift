import Dispatch
import Foundation

/// Lets a libmilter callback thread (not a Swift concurrency thread) store a record and wait for
/// the answer within a deadline. The milter calls `put` from its end-of-message callback before it
/// answers with the quarantine action; on any error — the store down, or no answer within `timeout` —
/// it applies its configured failure policy (default tempfail), never a silent accept.
///
/// Never call it from async code: it blocks the calling thread.
public final class BlockingQuarantineWriter: Sendable {
    public let store: any QuarantineStore
    public let timeout: Duration

    public init(store: any QuarantineStore, timeout: Duration = .seconds(10)) {
        self.store = store
        self.timeout = timeout
    }

    /// Stores `record` with the audit entry `quarantine` by `actor`. Returns normally only when the
    /// record is durably stored; throws `QuarantineError` (`.timeout`, `.unavailable`, `.duplicate`) otherwise.
    /// After a timeout the write may still complete later; the tempfailed message is then retried by
    /// its sender and stored again under a new id.
    public func put(_ record: QuarantineRecord, actor: String = "milter") throws {
        let store = self.store
        try wait("store \(record.id)") { try await store.put(record, audit: AuditEntry.received(record, actor: actor)) }
    }

    /// Runs `operation` on the concurrency pool and blocks until it finishes or `timeout` passes.
    public func wait<T: Sendable>(_ what: String, _ operation: @escaping @Sendable () async throws -> T) throws -> T {
        guard let result = runBlocking(timeout: timeout, operation) else {
            throw QuarantineError(.timeout, "\(what): no answer from the quarantine store within \(timeout)")
        }
        do { return try result.get() } catch { throw QuarantineError.wrap(error, what) }
    }
}

/// Runs `operation` on the concurrency pool and blocks the calling (non-async) thread until it
/// finishes or `timeout` passes; nil on timeout (the task is cancelled). For libmilter's threads
/// and start-up code; never call it from async code.
public func runBlocking<T: Sendable>(timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) -> Result<T, any Error>? {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    let task = Task.detached {
        do { box.set(.success(try await operation())) } catch { box.set(.failure(error)) }
        done.signal()
    }
    let c = timeout.components
    let ns = Int(c.seconds) * 1_000_000_000 + Int(c.attoseconds / 1_000_000_000)
    if done.wait(timeout: .now() + .nanoseconds(ns)) == .timedOut {
        task.cancel()
        return nil
    }
    return box.get()
}

/// A lock-protected slot for a result handed from a task to a waiting thread.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?

    func set(_ v: Result<T, any Error>) {
        lock.lock()
        value = v
        lock.unlock()
    }

    func get() -> Result<T, any Error>? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
