import BECCore
@testable import BECHistory
import BECRules
import Foundation
import PostgresNIO
import XCTest

/// The same behaviour from both back ends: SQLite always, PostgreSQL when BEC_TEST_POSTGRES_URL is
/// set (Tests/Integration/postgres.sh starts a real server and sets it).
class StoreContract: XCTestCase {
    func makeStore() async throws -> any HistoryStore { throw XCTSkip("the contract runs in its subclasses") }

    let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    func outbound(_ from: String, to: [String], name: String? = nil, id: String? = nil) -> HistoryLesson {
        var l = HistoryLesson(direction: .outbound, correspondents: to.map(HistoryLesson.Correspondent.init),
                              pairs: to.map { .init(local: from, remote: $0) }, messageIDs: id.map { [$0] } ?? [])
        if let name { l.bindings = [.init(nameKey: name, address: from, domain: SenderHistoryPlan.domain(ofKey: from), authoritative: true)] }
        return l
    }

    func testUnknownThenKnown() async throws {
        let s = try await makeStore()
        let q = HistoryQuery(sender: "partner@northwind.example", senderDomain: "northwind.example", recipients: ["margaret@calloway.example"])
        var f = try await s.lookup(q)
        XCTAssertFalse(f.senderKnown || f.senderDomainKnown || f.senderKnownToRecipient)
        try await s.learn(outbound("margaret@calloway.example", to: ["partner@northwind.example"]), at: t0)
        f = try await s.lookup(q)
        XCTAssertTrue(f.senderKnown && f.senderDomainKnown && f.senderKnownToRecipient)
        // A colleague at the same domain: the domain is known, the address is not.
        f = try await s.lookup(HistoryQuery(sender: "other@northwind.example", senderDomain: "northwind.example", recipients: ["margaret@calloway.example"]))
        XCTAssertFalse(f.senderKnown)
        XCTAssertTrue(f.senderDomainKnown)
        XCTAssertFalse(f.senderKnownToRecipient)
        // Known to the organization, but not to this recipient.
        f = try await s.lookup(HistoryQuery(sender: "partner@northwind.example", senderDomain: "northwind.example", recipients: ["kevin@calloway.example"]))
        XCTAssertTrue(f.senderKnown)
        XCTAssertFalse(f.senderKnownToRecipient)
        let h = try await s.address("partner@northwind.example", domain: "northwind.example")
        XCTAssertTrue(h.known)
        XCTAssertEqual(h.messagesFromUs, 1)
        XCTAssertEqual(h.correspondents, ["margaret@calloway.example"])
        await s.close()
    }

    func testBindingsAndInboundCannotTakeOverAName() async throws {
        let s = try await makeStore()
        try await s.learn(outbound("margaret@calloway.example", to: ["p@northwind.example"], name: "margaret okafor"), at: t0)
        var f = try await s.lookup(HistoryQuery(sender: "margaret@gmail.example", senderDomain: "gmail.example", nameKey: "margaret okafor"))
        XCTAssertEqual(f.displayNameBoundTo, ["margaret@calloway.example"])
        // Same domain as the bound address: not a "new address" in the sense that matters.
        f = try await s.lookup(HistoryQuery(sender: "m.okafor@calloway.example", senderDomain: "calloway.example", nameKey: "margaret okafor"))
        XCTAssertEqual(f.displayNameBoundTo, [])
        // An attacker's authenticated freemail account sends clean mail as "Margaret Okafor": not bound.
        let poison = HistoryLesson(direction: .inbound, correspondents: [.init("margaret@gmail.example")],
                                   bindings: [.init(nameKey: "margaret okafor", address: "margaret@gmail.example", domain: "gmail.example", authoritative: false)])
        try await s.learn(poison, at: t0)
        let h = try await s.address("margaret@gmail.example", domain: "gmail.example")
        XCTAssertEqual(h.names, [], "an inbound message must not bind a name already bound elsewhere")
        f = try await s.lookup(HistoryQuery(sender: "margaret@gmail.example", senderDomain: "gmail.example", nameKey: "margaret okafor"))
        XCTAssertEqual(f.displayNameBoundTo, ["margaret@calloway.example"])
        // A name nobody holds yet may be bound by authenticated inbound mail.
        try await s.learn(HistoryLesson(direction: .inbound, correspondents: [.init("rosa@brightline.example")],
                                        bindings: [.init(nameKey: "mendel rosa", address: "rosa@brightline.example", domain: "brightline.example", authoritative: false)]), at: t0)
        f = try await s.lookup(HistoryQuery(sender: "rosa@brightlinee.example", senderDomain: "brightlinee.example", nameKey: "mendel rosa"))
        XCTAssertEqual(f.displayNameBoundTo, ["rosa@brightline.example"])
        await s.close()
    }

    func testReplyToAndLedger() async throws {
        let s = try await makeStore()
        try await s.learn(HistoryLesson(direction: .inbound, correspondents: [.init("rosa@brightline.example")],
                                        replyTos: [.init(sender: "rosa@brightline.example", replyTo: "ar@brightline.example")],
                                        messageIDs: ["r1@brightline.example"]), at: t0)
        try await s.learn(outbound("kevin@calloway.example", to: ["rosa@brightline.example"], id: "o1@calloway.example"), at: t0)
        let f = try await s.lookup(HistoryQuery(sender: "rosa@brightline.example", senderDomain: "brightline.example",
                                                replyTos: ["ar@brightline.example", "rosa.payments@gmail.example"],
                                                threadIDs: ["o1@calloway.example", "r1@brightline.example", "never@x.example"]))
        XCTAssertEqual(f.newReplyTo, ["rosa.payments@gmail.example"])
        XCTAssertEqual(f.unseenThreadIDs, ["never@x.example"])
        XCTAssertEqual(f.threadIDsReferenced, 3)
        await s.close()
    }

    func testPruneByAgeAndSize() async throws {
        let s = try await makeStore()
        try await s.learn(outbound("a@calloway.example", to: ["old@x.example"], id: "old@calloway.example"), at: t0)
        for i in 0..<5 { try await s.learn(outbound("a@calloway.example", to: ["new\(i)@y.example"]), at: t0.addingTimeInterval(86_400 * 10 + Double(i))) }
        var n = try await s.prune(seenBefore: t0.addingTimeInterval(86_400), messageIDsBefore: t0.addingTimeInterval(86_400), maxEntries: 1_000)
        XCTAssertEqual(n, 3, "the old address, its pair and its message id")
        var f = try await s.lookup(HistoryQuery(sender: "old@x.example", senderDomain: "x.example", threadIDs: ["old@calloway.example"]))
        XCTAssertFalse(f.senderKnown)
        XCTAssertEqual(f.unseenThreadIDs, ["old@calloway.example"])
        n = try await s.prune(seenBefore: t0, messageIDsBefore: t0, maxEntries: 2)
        let c = try await s.counts()
        XCTAssertEqual(c["hist_address"], 2)
        XCTAssertEqual(c["hist_pair"], 2)
        XCTAssertEqual(n, 6)
        // The most recently seen stay.
        f = try await s.lookup(HistoryQuery(sender: "new4@y.example", senderDomain: "y.example"))
        XCTAssertTrue(f.senderKnown)
        await s.close()
    }

    func testMeta() async throws {
        let s = try await makeStore()
        try await s.setMeta("created_at", "1", onlyIfAbsent: true)
        try await s.setMeta("created_at", "2", onlyIfAbsent: true)
        var v = try await s.meta("created_at")
        XCTAssertEqual(v, "1")
        try await s.setMeta("created_at", "3", onlyIfAbsent: false)
        v = try await s.meta("created_at")
        XCTAssertEqual(v, "3")
        await s.close()
    }
}

final class SQLiteHistoryStoreTests: StoreContract {
    override func makeStore() async throws -> any HistoryStore { try SQLiteHistoryStore(path: Support.tempPath("h.sqlite")) }

    func testUnwritablePathFailsLoudly() {
        XCTAssertThrowsError(try SQLiteHistoryStore(path: "/proc/bec-history/h.sqlite"))
    }
}

final class PostgresHistoryStoreTests: StoreContract {
    override func makeStore() async throws -> any HistoryStore {
        guard let u = ProcessInfo.processInfo.environment["BEC_TEST_POSTGRES_URL"], !u.isEmpty else {
            throw XCTSkip("BEC_TEST_POSTGRES_URL is not set: PostgreSQL history tests skipped (run Tests/Integration/postgres.sh)")
        }
        let s = try await PostgresHistoryStore.connect(url: u)
        // Each test starts empty.
        for t in ["hist_address", "hist_pair", "hist_binding", "hist_replyto", "hist_msgid", "hist_meta"] {
            try await s.client.query(PostgresQuery(unsafeSQL: "DELETE FROM \(t)"), logger: s.logger)
        }
        return s
    }

    func testUnreachableServerTimesOut() async throws {
        do {
            _ = try await PostgresHistoryStore.connect(url: "postgres://u:p@127.0.0.1:1/db?sslmode=disable", timeout: .seconds(2))
            XCTFail("connected to nothing")
        } catch is HistoryError {}
    }
}
