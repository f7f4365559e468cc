@testable import BECQuarantine
import Foundation
import GRDB
import Logging
import PostgresNIO
import XCTest

final class MemoryStoreTests: XCTestCase {
    func testContract() async throws {
        try await StoreContract(make: { MemoryQuarantineStore() }).runAll()
    }
}

final class SQLiteStoreTests: XCTestCase {
    func testContract() async throws {
        try await StoreContract(make: { try SQLiteQuarantineStore(path: Fixtures.tempPath("q.sqlite")) }).runAll()
    }

    func testMigrationsFreshAndRerun() async throws {
        let path = Fixtures.tempPath("q.sqlite")
        let first = try SQLiteQuarantineStore(path: path)
        let v1 = try await first.schemaVersion()
        XCTAssertEqual(v1, StoreSchema.latest)
        try await first.put(Fixtures.record(1))
        await first.close()
        // Opening again applies nothing and keeps the data.
        let second = try SQLiteQuarantineStore(path: path)
        let v2 = try await second.schemaVersion()
        XCTAssertEqual(v2, StoreSchema.latest)
        let applied = try await second.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM schema_migrations") }
        XCTAssertEqual(applied, StoreSchema.migrations.count)
        let kept = try await second.get("rec-0001")
        XCTAssertNotNil(kept)
        await second.close()
    }

    func testNewerSchemaIsRefused() async throws {
        let path = Fixtures.tempPath("q.sqlite")
        let s = try SQLiteQuarantineStore(path: path)
        try await s.pool.write { db in try db.execute(sql: "INSERT INTO schema_migrations VALUES (999, 'future', 0)") }
        await s.close()
        XCTAssertThrowsError(try SQLiteQuarantineStore(path: path)) { e in
            XCTAssertEqual((e as? QuarantineError)?.code, .schemaTooNew)
        }
    }

    func testAuditIsAppendOnly() async throws {
        let s = try SQLiteQuarantineStore(path: Fixtures.tempPath("q.sqlite"))
        try await s.put(Fixtures.record(1))
        do {
            try await s.pool.write { db in try db.execute(sql: "UPDATE audit SET actor = 'mallory'") }
            XCTFail("audit update must fail")
        } catch {}
        do {
            try await s.pool.write { db in try db.execute(sql: "DELETE FROM audit") }
            XCTFail("audit delete must fail while the record exists")
        } catch {}
        let trail = try await s.audit("rec-0001")
        XCTAssertEqual(trail.map(\.actor), ["milter"])
        await s.close()
    }

    func testFileModeAndConcurrentWriters() async throws {
        let path = Fixtures.tempPath("q.sqlite")
        let a = try SQLiteQuarantineStore(path: path)
        let b = try SQLiteQuarantineStore(path: path)   // a second process, as milter and web UI are
        let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
        XCTAssertEqual(mode & 0o007, 0, "the store holds mail: not world-readable")
        try await withThrowingTaskGroup(of: Void.self) { g in
            for i in 1...20 { g.addTask { try await (i % 2 == 0 ? a : b).put(Fixtures.record(i)) } }
            try await g.waitForAll()
        }
        let total = try await a.list(QuarantineFilter()).total
        XCTAssertEqual(total, 20)
        await a.close()
        await b.close()
    }
}

/// Runs against a real server when BEC_TEST_POSTGRES_URL is set (Tests/Integration/postgres.sh sets it up).
final class PostgresStoreTests: XCTestCase {
    var url: String {
        get throws {
            guard let u = ProcessInfo.processInfo.environment["BEC_TEST_POSTGRES_URL"], !u.isEmpty else {
                throw XCTSkip("BEC_TEST_POSTGRES_URL is not set: PostgreSQL store tests skipped (run Tests/Integration/postgres.sh)")
            }
            return u
        }
    }

    /// Drops everything the store created, so each check starts from a fresh database.
    func reset(_ url: String) async throws {
        let client = PostgresClient(configuration: try PostgresURL.configuration(url), backgroundLogger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { g in
            g.addTask { await client.run() }
            for sql in ["DROP TABLE IF EXISTS audit, quarantine, users, schema_migrations CASCADE", "DROP FUNCTION IF EXISTS bec_audit_append_only() CASCADE"] {
                try await client.query(PostgresQuery(unsafeSQL: sql))
            }
            g.cancelAll()
        }
    }

    func testContract() async throws {
        let url = try url
        try await StoreContract(make: {
            try await self.reset(url)
            return try await PostgresQuarantineStore.connect(url: url)
        }).runAll()
    }

    func testMigrationsFreshAndRerun() async throws {
        let url = try url
        try await reset(url)
        let first = try await PostgresQuarantineStore.connect(url: url)
        let v = try await first.schemaVersion()
        XCTAssertEqual(v, StoreSchema.latest)
        try await first.put(Fixtures.record(1))
        await first.close()
        // Two hosts starting together: the advisory lock makes one apply, the other find it done.
        async let a = PostgresQuarantineStore.connect(url: url)
        async let b = PostgresQuarantineStore.connect(url: url)
        let (x, y) = try await (a, b)
        var count = 0
        for try await n in try await x.client.query("SELECT COUNT(*) FROM schema_migrations").decode(Int.self) { count = n }
        XCTAssertEqual(count, StoreSchema.migrations.count)
        let kept = try await y.get("rec-0001")
        XCTAssertNotNil(kept)
        await x.close()
        await y.close()
    }

    func testAuditIsAppendOnly() async throws {
        let url = try url
        try await reset(url)
        let s = try await PostgresQuarantineStore.connect(url: url)
        try await s.put(Fixtures.record(1))
        do {
            try await s.client.query("UPDATE audit SET actor = 'mallory'")
            XCTFail("audit update must fail")
        } catch {}
        do {
            try await s.client.query("DELETE FROM audit")
            XCTFail("audit delete must fail while the record exists")
        } catch {}
        let trail = try await s.audit("rec-0001")
        XCTAssertEqual(trail.map(\.actor), ["milter"])
        await s.close()
    }

    func testURLParsing() throws {
        XCTAssertThrowsError(try PostgresURL.configuration("mysql://a@b/c"))
        XCTAssertThrowsError(try PostgresURL.configuration("postgres://host/db"), "a user is required")
        XCTAssertThrowsError(try PostgresURL.configuration("postgres://u@h/db?sslmode=bogus"))
        XCTAssertNoThrow(try PostgresURL.configuration("postgres://u:p%40ss@h:5433/db?sslmode=disable"))
        XCTAssertNoThrow(try PostgresURL.configuration("postgresql://u@localhost/db?host=/run/postgresql"))
        XCTAssertEqual(StoreLocation.postgres(url: "postgres://u:secret@h/db").description.contains("secret"), false)
    }
}
