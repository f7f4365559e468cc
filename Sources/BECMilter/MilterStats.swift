/// Counters since start: every failure-policy event, every applied action, every reload. Logged on
/// SIGUSR1, after each reload and at shutdown.
public struct MilterStats: Sendable, Equatable {
    public var connections = 0
    public var messages = 0
    public var aborted = 0
    /// Applied milter actions by name (accept, tag, quarantine, reject, tempfail).
    public var applied: [String: Int] = [:]
    /// Failure events by kind (internal_error, over_limit, timeout).
    public var failures: [String: Int] = [:]
    /// libmilter calls that failed (an edit the MTA did not allow, a lost connection).
    public var editFailures = 0
    public var quarantineStoreErrors = 0
    public var reloads = 0
    public var reloadFailures = 0

    public init() {}

    public var summary: String {
        func fmt(_ d: [String: Int]) -> String { d.isEmpty ? "none" : d.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") }
        return "connections=\(connections) messages=\(messages) aborted=\(aborted) applied=\(fmt(applied)) "
            + "failures=\(fmt(failures)) edit_failures=\(editFailures) store_errors=\(quarantineStoreErrors) "
            + "reloads=\(reloads) reload_failures=\(reloadFailures)"
    }
}
