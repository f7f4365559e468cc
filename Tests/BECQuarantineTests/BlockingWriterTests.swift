@testable import BECQuarantine
import Foundation
import XCTest

/// A store whose put never returns in time.
actor SlowStore: QuarantineStore {
    let inner = MemoryQuarantineStore()
    func put(_ record: QuarantineRecord, audit entry: AuditEntry) async throws {
        try await Task.sleep(for: .seconds(5))
        try await inner.put(record, audit: entry)
    }
    func get(_ id: String) async throws -> QuarantineRecord? { await inner.get(id) }
    func list(_ filter: QuarantineFilter) async throws -> QuarantinePage { await inner.list(filter) }
    func setStatus(_ id: String, to status: QuarantineStatus, expected: Set<QuarantineStatus>?, audit entry: AuditEntry) async throws -> QuarantineStatus {
        try await inner.setStatus(id, to: status, expected: expected, audit: entry)
    }
    func appendAudit(_ id: String, _ entry: AuditEntry) async throws { try await inner.appendAudit(id, entry) }
    func audit(_ id: String) async throws -> [AuditEntry] { await inner.audit(id) }
    func purge(_ policy: RetentionPolicy, now: Date) async throws -> PurgeResult { await inner.purge(policy, now: now) }
    func addUser(_ user: QuarantineUser, replace: Bool) async throws { try await inner.addUser(user, replace: replace) }
    func user(named name: String) async throws -> QuarantineUser? { await inner.user(named: name) }
    func users() async throws -> [QuarantineUser] { await inner.users() }
    func removeUser(named name: String) async throws { try await inner.removeUser(named: name) }
    func ping() async throws {}
    func schemaVersion() async throws -> Int { 0 }
    func close() async {}
}

final class BlockingWriterTests: XCTestCase {
    /// The milter's path: a plain thread (as libmilter's are) stores and waits.
    func testPutFromAPlainThread() throws {
        let path = Fixtures.tempPath("q.sqlite")
        let writer = try BlockingQuarantineWriter.open(.sqlite(path: path), timeout: .seconds(10))
        let done = expectation(description: "stored")
        let box = ResultBox<Bool>()
        Thread.detachNewThread {
            do { try writer.put(Fixtures.record(1)); box.set(.success(true)) } catch { box.set(.failure(error as! QuarantineError)) }
            done.fulfill()
        }
        wait(for: [done], timeout: 15)
        XCTAssertEqual(try box.get()?.get(), true)
        XCTAssertThrowsError(try writer.put(Fixtures.record(1))) { XCTAssertEqual(($0 as? QuarantineError)?.code, .duplicate) }
    }

    func testTimeoutIsAnError() throws {
        let writer = BlockingQuarantineWriter(store: SlowStore(), timeout: .milliseconds(200))
        let start = Date()
        XCTAssertThrowsError(try writer.put(Fixtures.record(1))) { XCTAssertEqual(($0 as? QuarantineError)?.code, .timeout) }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testStoreDownIsAnError() throws {
        XCTAssertThrowsError(try BlockingQuarantineWriter.open(.sqlite(path: "/proc/forbidden/q.sqlite"), timeout: .seconds(5))) {
            XCTAssertEqual(($0 as? QuarantineError)?.code, .unavailable)
        }
        XCTAssertThrowsError(try BlockingQuarantineWriter.open(.postgres(url: "postgres://u:p@127.0.0.1:1/db?sslmode=disable"), timeout: .seconds(3))) {
            let code = ($0 as? QuarantineError)?.code
            XCTAssertTrue(code == .unavailable || code == .timeout, "\(String(describing: code))")
        }
    }
}
