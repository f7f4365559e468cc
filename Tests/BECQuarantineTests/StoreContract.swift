import BECCore
import BECQuarantine
import Foundation
import XCTest

/// The behaviour every store must have, run against the in-memory, SQLite and PostgreSQL stores.
/// Each check starts from an empty store made by `make`.
struct StoreContract {
    let make: () async throws -> any QuarantineStore

    func runAll() async throws {
        try await roundTrip()
        try await duplicateAndMissing()
        try await listFilters()
        try await paging()
        try await statusAndAudit()
        try await retentionByAge()
        try await retentionBySize()
        try await users()
    }

    func fresh() async throws -> any QuarantineStore { try await make() }

    func roundTrip() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        let r = Fixtures.record(1)
        try await s.put(r, actor: "milter")
        let got = try await s.get(r.id)
        XCTAssertNotNil(got)
        guard let got else { return }
        XCTAssertEqual(got.raw, r.raw, "message bytes are stored exactly")
        XCTAssertEqual(got.envelope, r.envelope)
        XCTAssertEqual(got.status, .held)
        XCTAssertEqual(got.host, r.host)
        XCTAssertEqual(got.subject, r.subject)
        XCTAssertEqual(got.fromHeader, r.fromHeader)
        XCTAssertEqual(got.messageID, r.messageID)
        XCTAssertEqual(got.receivedAt.timeIntervalSince1970, r.receivedAt.timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(Fixtures.json(got.verdict), Fixtures.json(r.verdict), "the full findings breakdown survives")
        XCTAssertEqual(got.verdict.findings.first?.evidence.contains(Fixtures.cyrillicA), true)
        let trail = try await s.audit(r.id)
        XCTAssertEqual(trail.map(\.action), ["quarantine"])
        XCTAssertEqual(trail.first?.actor, "milter")
        XCTAssertEqual(trail.first?.toStatus, .held)
        try await s.ping()
    }

    func duplicateAndMissing() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        try await s.put(Fixtures.record(1))
        await XCTAssertThrowsCode(.duplicate) { try await s.put(Fixtures.record(1)) }
        let missing = try await s.get("nope")
        XCTAssertNil(missing)
        await XCTAssertThrowsCode(.notFound) {
            try await s.setStatus("nope", to: .released, expected: nil, audit: AuditEntry(at: Fixtures.t0, actor: "a", action: "x"))
        }
        await XCTAssertThrowsCode(.notFound) { try await s.appendAudit("nope", AuditEntry(at: Fixtures.t0, actor: "a", action: "x")) }
    }

    func listFilters() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        try await s.put(Fixtures.record(1, score: 9.5, from: "ceo.office@gmail.com", rcpts: ["ap@example.com"], subject: "Gift cards 100%_off"))
        try await s.put(Fixtures.record(2, score: 16, from: "billing@kestre1-logistics.example", rcpts: ["payables@example.com", "cfo@example.com"],
                                        subject: "Neue Bankverbindung – Überweisung", symbols: ["LOOKALIKE_VENDOR_DOMAIN", "LANG_BANK_CHANGE"]))
        try await s.put(Fixtures.record(3, score: 11, from: "hr@example.org", rcpts: ["payroll@example.com"], subject: "W-2 request",
                                        symbols: ["DISPLAY_NAME_MIXED_SCRIPT", "LANG_TAX_PII"]))
        _ = try await s.setStatus("rec-0003", to: .falsePositive, expected: nil, audit: AuditEntry(at: Fixtures.t0, actor: "alice", action: "mark"))

        func ids(_ f: QuarantineFilter) async throws -> [String] { try await s.list(f).items.map(\.id) }
        let all = try await ids(QuarantineFilter())
        XCTAssertEqual(all, ["rec-0003", "rec-0002", "rec-0001"], "newest first")
        var got = try await ids(QuarantineFilter(statuses: [.held]))
        XCTAssertEqual(got, ["rec-0002", "rec-0001"])
        got = try await ids(QuarantineFilter(statuses: QuarantineStatus.pending))
        XCTAssertEqual(got.count, 3)
        got = try await ids(QuarantineFilter(since: Fixtures.t0.addingTimeInterval(120), until: Fixtures.t0.addingTimeInterval(180)))
        XCTAssertEqual(got, ["rec-0002"], "since inclusive, until exclusive")
        got = try await ids(QuarantineFilter(sender: "GMAIL.com"))
        XCTAssertEqual(got, ["rec-0001"], "sender matches case-insensitively")
        got = try await ids(QuarantineFilter(sender: "Margaret"))
        XCTAssertEqual(got.count, 3, "sender also matches the From header")
        got = try await ids(QuarantineFilter(recipient: "cfo@"))
        XCTAssertEqual(got, ["rec-0002"])
        got = try await ids(QuarantineFilter(minScore: 10, maxScore: 12))
        XCTAssertEqual(got, ["rec-0003"])
        got = try await ids(QuarantineFilter(symbol: "LANG_BANK_CHANGE"))
        XCTAssertEqual(got, ["rec-0002"])
        got = try await ids(QuarantineFilter(symbol: "LANG_BANK"))
        XCTAssertEqual(got, [], "symbols match whole")
        got = try await ids(QuarantineFilter(text: "überweisung"))
        XCTAssertEqual(got, ["rec-0002"], "search is case-insensitive beyond ASCII")
        got = try await ids(QuarantineFilter(text: "100%_"))
        XCTAssertEqual(got, ["rec-0001"], "% and _ are literal")
        got = try await ids(QuarantineFilter(text: "%"))
        XCTAssertEqual(got, ["rec-0001"])
        got = try await ids(QuarantineFilter(text: "4F000002"))
        XCTAssertEqual(got, ["rec-0002"], "search covers the queue id")
        got = try await ids(QuarantineFilter(text: "evidence 3 for"))
        XCTAssertEqual(got, ["rec-0003"], "search covers the evidence")
        got = try await ids(QuarantineFilter(statuses: [.held], sender: "example", minScore: 12))
        XCTAssertEqual(got, ["rec-0002"], "criteria combine with AND")
        let summary = try await s.list(QuarantineFilter(symbol: "LANG_BANK_CHANGE")).items.first
        XCTAssertEqual(summary?.recipients, ["payables@example.com", "cfo@example.com"])
        XCTAssertEqual(summary?.symbols, ["LOOKALIKE_VENDOR_DOMAIN", "LANG_BANK_CHANGE"])
        XCTAssertEqual(summary?.action, "quarantine")
        XCTAssertEqual(summary?.score, 16)
        XCTAssertEqual(summary?.queueID, "4F000002")
    }

    func paging() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        for i in 1...7 { try await s.put(Fixtures.record(i)) }
        let p1 = try await s.list(QuarantineFilter(offset: 0, limit: 3))
        let p3 = try await s.list(QuarantineFilter(offset: 6, limit: 3))
        XCTAssertEqual(p1.total, 7)
        XCTAssertEqual(p1.items.map(\.id), ["rec-0007", "rec-0006", "rec-0005"])
        XCTAssertEqual(p3.items.map(\.id), ["rec-0001"])
        XCTAssertEqual(p3.total, 7)
    }

    func statusAndAudit() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        try await s.put(Fixtures.record(1))
        let old = try await s.setStatus("rec-0001", to: .released, expected: QuarantineStatus.pending,
                                        audit: AuditEntry(at: Fixtures.t0.addingTimeInterval(5), actor: "alice", action: "release", detail: "via test"))
        XCTAssertEqual(old, .held)
        await XCTAssertThrowsCode(.conflict, "a second release finds the message no longer pending") {
            try await s.setStatus("rec-0001", to: .released, expected: QuarantineStatus.pending,
                                  audit: AuditEntry(at: Fixtures.t0, actor: "bob", action: "release"))
        }
        try await s.appendAudit("rec-0001", AuditEntry(at: Fixtures.t0.addingTimeInterval(6), actor: "alice", action: "release_done", detail: "250 ok"))
        let trail = try await s.audit("rec-0001")
        XCTAssertEqual(trail.map(\.action), ["quarantine", "release", "release_done"])
        XCTAssertEqual(trail[1].actor, "alice")
        XCTAssertEqual(trail[1].fromStatus, .held)
        XCTAssertEqual(trail[1].toStatus, .released)
        XCTAssertEqual(trail[1].detail, "via test")
        XCTAssertEqual(trail[1].at.timeIntervalSince1970, Fixtures.t0.timeIntervalSince1970 + 5, accuracy: 0.001)
        let st = try await s.get("rec-0001")?.status
        XCTAssertEqual(st, .released)
    }

    func retentionByAge() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        let now = Fixtures.t0.addingTimeInterval(40 * 86_400)
        try await s.put(Fixtures.record(1, at: Fixtures.t0))                                  // 40 days old
        try await s.put(Fixtures.record(2, at: now.addingTimeInterval(-29 * 86_400)))          // 29 days
        try await s.put(Fixtures.record(3, at: now.addingTimeInterval(-3600)))
        let size1 = try await s.get("rec-0001")?.size ?? 0
        let r = try await s.purge(RetentionPolicy(maxAge: 30 * 86_400, maxTotalBytes: nil), now: now)
        XCTAssertEqual(r.byAge, 1)
        XCTAssertEqual(r.bySize, 0)
        XCTAssertEqual(r.bytesFreed, size1)
        let left = try await s.list(QuarantineFilter()).items.map(\.id)
        XCTAssertEqual(left, ["rec-0003", "rec-0002"])
        let trail = try await s.audit("rec-0001")
        XCTAssertEqual(trail, [], "the audit trail goes with the record")
        let again = try await s.purge(RetentionPolicy(maxAge: 30 * 86_400), now: now)
        XCTAssertEqual(again.total, 0)
    }

    func retentionBySize() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        for i in 1...5 { try await s.put(Fixtures.record(i, bytes: 10_000)) }
        let r = try await s.purge(RetentionPolicy(maxAge: nil, maxTotalBytes: 25_000), now: Fixtures.t0)
        XCTAssertEqual(r.bySize, 3, "the oldest go until the rest fits")
        XCTAssertEqual(r.bytesFreed, 30_000)
        let left = try await s.list(QuarantineFilter()).items.map(\.id)
        XCTAssertEqual(left, ["rec-0005", "rec-0004"])
        let none = try await s.purge(RetentionPolicy(maxAge: nil, maxTotalBytes: 25_000), now: Fixtures.t0)
        XCTAssertEqual(none.total, 0)
    }

    func users() async throws {
        let s = try await fresh()
        defer { Task { await s.close() } }
        try await s.addUser(.hashing(name: "alice", role: .admin, password: "correct horse battery", cost: 4), replace: false)
        try await s.addUser(.hashing(name: "bob", role: .analyst, password: "bobs password 1", cost: 4), replace: false)
        await XCTAssertThrowsCode(.duplicate) { try await s.addUser(.hashing(name: "bob", role: .admin, password: "x", cost: 4), replace: false) }
        let stored = try await s.user(named: "alice")
        XCTAssertEqual(stored?.role, .admin)
        XCTAssertTrue(stored?.passwordHash.hasPrefix("$2b$") == true, "only a bcrypt hash is stored")
        XCTAssertFalse(stored?.passwordHash.contains("correct horse") == true)
        let ok = try await s.verify(name: "alice", password: "correct horse battery")
        XCTAssertEqual(ok?.name, "alice")
        let bad = try await s.verify(name: "alice", password: "wrong")
        XCTAssertNil(bad)
        let unknown = try await s.verify(name: "mallory", password: "x")
        XCTAssertNil(unknown)
        try await s.addUser(.hashing(name: "bob", role: .admin, password: "new password 22", cost: 4), replace: true)
        let bob = try await s.verify(name: "bob", password: "new password 22")
        XCTAssertEqual(bob?.role, .admin)
        let names = try await s.users().map(\.name)
        XCTAssertEqual(names, ["alice", "bob"])
        try await s.removeUser(named: "bob")
        await XCTAssertThrowsCode(.notFound) { try await s.removeUser(named: "bob") }
        let gone = try await s.user(named: "bob")
        XCTAssertNil(gone)
    }
}

/// Asserts that `body` throws a `QuarantineError` with `code`.
func XCTAssertThrowsCode(_ code: QuarantineError.Code, _ message: String = "", file: StaticString = #filePath, line: UInt = #line,
                         _ body: () async throws -> some Any) async {
    do {
        _ = try await body()
        XCTFail("expected \(code.rawValue) error. \(message)", file: file, line: line)
    } catch let e as QuarantineError {
        XCTAssertEqual(e.code, code, "\(e) \(message)", file: file, line: line)
    } catch {
        XCTFail("expected QuarantineError \(code.rawValue), got \(error)", file: file, line: line)
    }
}
