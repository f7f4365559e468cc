import Foundation
import PostgresNIO

/// Parses `postgres://user:password@host:port/database?sslmode=disable|prefer|require` (also `postgresql://`),
/// or with `?host=/run/postgresql` a Unix socket directory as libpq does (the socket is `<dir>/.s.PGSQL.<port>`).
/// Percent-escapes in user and password are decoded. The password never appears in errors.
public enum PostgresURL {
    public static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let c = URLComponents(string: url), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw QuarantineError(.invalid, "PostgreSQL URL must look like postgres://user:password@host:port/database")
        }
        guard let user = c.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else {
            throw QuarantineError(.invalid, "PostgreSQL URL needs a user name")
        }
        let password = c.percentEncodedPassword?.removingPercentEncoding
        let database = c.path.hasPrefix("/") && c.path.count > 1 ? String(c.path.dropFirst()) : nil
        let query = Dictionary((c.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let port = c.port ?? Int(query["port"] ?? "") ?? 5432
        if let dir = query["host"], dir.hasPrefix("/") {
            return PostgresClient.Configuration(unixSocketPath: "\(dir)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        guard let host = c.host, !host.isEmpty else { throw QuarantineError(.invalid, "PostgreSQL URL needs a host") }
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw QuarantineError(.invalid, "unknown sslmode '\(other)' (disable, prefer, require)")
        }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}

/// Runs `operation` (a store's start-up: connect and migrate), failing with `timeoutError()` when
/// it takes longer than `timeout`: PostgresNIO's client retries a dead server forever.
public func withDeadline(_ timeout: Duration, timeoutError: @escaping @Sendable () -> any Error,
                         _ operation: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw timeoutError()
        }
        try await group.next()
        group.cancelAll()
    }
}

/// Prepares a SQLite store's file: creates its directory (0750) when missing; returns whether
/// the file is new, so the caller restricts it (0640) once the database created it.
public enum SQLiteFile {
    public static func prepare(_ path: String) throws -> Bool {
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: dir) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        }
        return !FileManager.default.fileExists(atPath: path)
    }

    public static func restrict(_ path: String) {
        try? FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: path)
    }
}
