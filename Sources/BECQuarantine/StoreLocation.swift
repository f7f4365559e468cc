import Foundation
import Logging

/// Which store to open.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite file (the embedded default: `<state_dir>/quarantine.sqlite`).
    case sqlite(path: String)
    /// A PostgreSQL database, `postgres://user:password@host:port/db?sslmode=...`.
    case postgres(url: String)
    /// In memory, gone at exit (tests, demos).
    case memory

    /// Opens the store and applies pending migrations.
    public func open(logger: Logger = Logger(label: "bec-milter.quarantine")) async throws -> any QuarantineStore {
        switch self {
        case .sqlite(let path): try SQLiteQuarantineStore(path: path)
        case .postgres(let url): try await PostgresQuarantineStore.connect(url: url, logger: logger)
        case .memory: MemoryQuarantineStore()
        }
    }

    /// The location without secrets, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path):
            return "sqlite:\(path)"
        case .postgres(let url):
            guard var c = URLComponents(string: url) else { return "postgres" }
            if c.password != nil { c.password = "***" }
            return c.string ?? "postgres"
        case .memory:
            return "memory"
        }
    }
}

extension BlockingQuarantineWriter {
    /// Opens the store from a non-async thread (the milter's start-up), waiting at most `timeout`.
    public static func open(_ location: StoreLocation, timeout: Duration = .seconds(10),
                            logger: Logger = Logger(label: "bec-milter.quarantine")) throws -> BlockingQuarantineWriter {
        let opener = BlockingQuarantineWriter(store: MemoryQuarantineStore(), timeout: timeout)
        let store = try opener.wait("open \(location)") { try await StoreBox(location.open(logger: logger)) }
        return BlockingQuarantineWriter(store: store.store, timeout: timeout)
    }
}

/// Carries an existential store out of a task.
struct StoreBox: Sendable {
    let store: any QuarantineStore
    init(_ store: any QuarantineStore) { self.store = store }
}
