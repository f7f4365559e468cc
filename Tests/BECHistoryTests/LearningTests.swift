import BECCore
@testable import BECHistory
import BECRules
import Foundation
import Logging
import XCTest

/// What may teach history, and what the findings become once it has learned: through the real
/// pipeline, the worked example's policy and a real SQLite store.
final class LearningTests: XCTestCase {
    let p = Support.pipeline
    let accept = Verdict(action: .accept, score: 0, findings: [])

    let outboundText = """
        From: Nadia Brennan <nadia.brennan@callowayfreight.com>
        To: Partner <partner@northwind.example>
        Cc: kevin.doyle@callowayfreight.com
        Subject: next shipment
        Message-ID: <m1@callowayfreight.com>

        See you Tuesday.
        """

    func inbound(from: String, extra: String = "", body: String = "Thanks, see attached.") -> Message {
        Support.message("""
            \(extra)From: \(from)
            To: kevin.doyle@callowayfreight.com
            Subject: shipment
            Message-ID: <i\(UUID().uuidString.prefix(6))@x.example>

            \(body)
            """, envelope: Envelope(mailFrom: "bounce@x.example", recipients: ["kevin.doyle@callowayfreight.com"], clientAddress: "198.51.100.7"))
    }

    func testOutboundSubmissionTeaches() throws {
        let l = try XCTUnwrap(p.historyLesson(Support.message(outboundText, envelope: Support.outbound), verdict: accept))
        XCTAssertEqual(l.direction, .outbound)
        XCTAssertEqual(l.correspondents.map(\.address), ["partner@northwind.example"])
        XCTAssertEqual(l.pairs, [HistoryLesson.Pair(local: "nadia.brennan@callowayfreight.com", remote: "partner@northwind.example")])
        XCTAssertEqual(l.bindings.first?.address, "nadia.brennan@callowayfreight.com")
        XCTAssertEqual(l.bindings.first?.authoritative, true)
        XCTAssertEqual(l.messageIDs, ["m1@callowayfreight.com"])
        // Our submission daemon (Postfix's milter_macro_daemon_name=ORIGINATING) counts as outbound too.
        let d = p.historyLesson(Support.message(outboundText, envelope: Envelope(recipients: ["partner@northwind.example"], daemonName: "ORIGINATING")), verdict: nil)
        XCTAssertEqual(d?.direction, HistoryLesson.Direction.outbound)
        // Even a tagged outbound message teaches: it was delivered and it is ours.
        XCTAssertEqual(p.historyLesson(Support.message(outboundText, envelope: Support.outbound), verdict: Verdict(action: .tag, score: 6, findings: []))?.direction, HistoryLesson.Direction.outbound)
    }

    func testOutboundLearningNeedsLearnModeAndOurFrom() throws {
        var policy = Support.config.policy
        policy.internalMail = .score
        XCTAssertNil(Pipeline(policy: policy, services: Support.services).historyLesson(Support.message(outboundText, envelope: Support.outbound), verdict: accept))
        // An authenticated user sending as somebody else's domain teaches nothing.
        let foreign = outboundText.replacingOccurrences(of: "nadia.brennan@callowayfreight.com", with: "margaret@gmail.com")
        XCTAssertNil(p.historyLesson(Support.message(foreign, envelope: Support.outbound), verdict: accept))
    }

    func testForgedMailNeverTeachesASender() {
        // Our own domain forged from outside (no pass from our authserv-id).
        let forgedOwn = inbound(from: "David Lindqvist <david.lindqvist@callowayfreight.com>")
        XCTAssertNotEqual(p.historyLesson(forgedOwn, verdict: accept)?.direction, HistoryLesson.Direction.inbound)
        // Our own domain *with* an aligned pass still is not "inbound correspondent" material.
        let ownPass = inbound(from: "d <david.lindqvist@callowayfreight.com>", extra: Support.ourPass("callowayfreight.com") + "\n")
        XCTAssertTrue(p.historyLesson(ownPass, verdict: accept)?.correspondents.isEmpty ?? true)
        // A pass stamped by someone else's authserv-id.
        let otherID = inbound(from: "p <partner@northwind.example>",
                              extra: "Authentication-Results: mx.northwind.example; dkim=pass header.d=northwind.example; dmarc=pass header.from=northwind.example\n")
        XCTAssertEqual(p.historyLesson(otherID, verdict: accept)?.direction, HistoryLesson.Direction.ledgerOnly)
        // Our authserv-id, but not the topmost header: written by the sender.
        let buried = inbound(from: "p <partner@northwind.example>",
                             extra: "Authentication-Results: mx.callowayfreight.com; dkim=none\n" + Support.ourPass("northwind.example") + "\n")
        XCTAssertNotEqual(p.historyLesson(buried, verdict: accept)?.direction, HistoryLesson.Direction.inbound)
        // Pass for another domain than From's (unaligned).
        let unaligned = inbound(from: "p <partner@northwind.example>", extra: Support.ourPass("mailer.example") + "\n")
        XCTAssertEqual(p.historyLesson(unaligned, verdict: accept)?.direction, HistoryLesson.Direction.ledgerOnly)
        // Two From addresses.
        let two = inbound(from: "p <partner@northwind.example>, q <q@evil.example>", extra: Support.ourPass("northwind.example") + "\n")
        XCTAssertNotEqual(p.historyLesson(two, verdict: accept)?.direction, HistoryLesson.Direction.inbound)
    }

    func testAuthenticatedInboundTeachesOnlyWhenAcceptedClean() throws {
        let m = inbound(from: "Rosa Mendel <billing@brightlinepackaging.com>",
                        extra: Support.ourPass("brightlinepackaging.com") + "\nReply-To: ar@brightlinepackaging.com\n")
        let l = try XCTUnwrap(p.historyLesson(m, verdict: accept))
        XCTAssertEqual(l.direction, .inbound)
        XCTAssertEqual(l.correspondents, [], "inbound mail never makes a sender known to the whole organization")
        XCTAssertEqual(l.pairs, [HistoryLesson.Pair(local: "kevin.doyle@callowayfreight.com", remote: "billing@brightlinepackaging.com")])
        XCTAssertEqual(l.replyTos, [HistoryLesson.ReplyTo(sender: "billing@brightlinepackaging.com", replyTo: "ar@brightlinepackaging.com")])
        XCTAssertEqual(l.bindings.first?.authoritative, false)
        XCTAssertNil(p.historyLesson(m, verdict: Verdict(action: .tag, score: 6, findings: [])), "tagged mail teaches nothing")
    }

    func testNameKeys() {
        let hp = HistoryPolicy()
        let s = Support.services
        let k = SenderHistoryPlan.nameKey("Margaret Okafor", policy: hp, services: s)
        XCTAssertNotNil(k)
        XCTAssertEqual(SenderHistoryPlan.nameKey("OKAFOR, Margaret", policy: hp, services: s), k)
        XCTAssertEqual(SenderHistoryPlan.nameKey("Margaret \u{200B}Okafor", policy: hp, services: s), k)
        XCTAssertEqual(SenderHistoryPlan.nameKey("Margaret \u{039F}kafor", policy: hp, services: s), k, "Greek capital Omicron for O")
        XCTAssertEqual(SenderHistoryPlan.nameKey("Tomás Echeverría", policy: hp, services: s), SenderHistoryPlan.nameKey("Tomas Echeverria", policy: hp, services: s))
        XCTAssertNil(SenderHistoryPlan.nameKey("Accounts Payable", policy: hp, services: s), "a role, not a person")
        XCTAssertNil(SenderHistoryPlan.nameKey("IT Support", policy: hp, services: s))
        XCTAssertNil(SenderHistoryPlan.nameKey("Margaret", policy: hp, services: s), "one word binds nothing")
        XCTAssertNil(SenderHistoryPlan.nameKey("nadia.brennan@callowayfreight.com", policy: hp, services: s))
    }

    // MARK: - End to end with a real SQLite store

    func evaluate(_ svc: HistoryService, _ m: Message) async throws -> Verdict {
        let facts = try await p.historyQuery(m).asyncMap { try await svc.facts(for: $0) } ?? nil
        return p.evaluate(m, history: facts)
    }

    func symbols(_ v: Verdict) -> Set<String> { Set(v.findings.map(\.symbol)) }

    func testFindingsAfterOutboundMail() async throws {
        let svc = try Support.sqliteService()
        try await svc.learn(try XCTUnwrap(p.historyLesson(Support.message(outboundText, envelope: Support.outbound), verdict: accept)))

        let reply = Support.message("""
            From: Partner <partner@northwind.example>
            To: nadia.brennan@callowayfreight.com
            Subject: Re: next shipment
            In-Reply-To: <m1@callowayfreight.com>
            Message-ID: <r1@northwind.example>

            Tuesday works.
            """)
        var v = try await evaluate(svc, reply)
        var s = symbols(v)
        XCTAssertTrue(s.isDisjoint(with: ["FIRST_CONTACT", "FIRST_CONTACT_DOMAIN", "REPLY_TO_UNSEEN_THREAD", "KNOWN_NAME_NEW_ADDRESS"]), "\(s)")

        let colleague = inbound(from: "Other <other@northwind.example>")
        v = try await evaluate(svc, colleague)
        XCTAssertTrue(symbols(v).contains("FIRST_CONTACT"))

        let lookalike = inbound(from: "Partner <partner@northwind-example.com>")
        v = try await evaluate(svc, lookalike)
        XCTAssertTrue(symbols(v).contains("FIRST_CONTACT_DOMAIN"))

        let hijack = Support.message("""
            From: Partner <partner@northwind.example>
            To: nadia.brennan@callowayfreight.com
            Subject: Re: invoice
            In-Reply-To: <made-up@callowayfreight.com>

            As discussed.
            """)
        v = try await evaluate(svc, hijack)
        s = symbols(v)
        XCTAssertTrue(s.contains("REPLY_TO_UNSEEN_THREAD"), "\(s)")
        XCTAssertFalse(s.contains("FIRST_CONTACT"))

        let newAddress = inbound(from: "Nadia Brennan <nadia.brennan.office@gmail.com>")
        v = try await evaluate(svc, newAddress)
        s = symbols(v)
        XCTAssertTrue(s.contains("KNOWN_NAME_NEW_ADDRESS"), "\(s)")
    }

    func testNewReplyToForKnownSender() async throws {
        let svc = try Support.sqliteService()
        let first = inbound(from: "Rosa Mendel <billing@brightlinepackaging.com>", extra: Support.ourPass("brightlinepackaging.com") + "\nReply-To: ar@brightlinepackaging.com\n")
        try await svc.learn(try XCTUnwrap(p.historyLesson(first, verdict: accept)))
        let same = inbound(from: "Rosa Mendel <billing@brightlinepackaging.com>", extra: "Reply-To: ar@brightlinepackaging.com\n")
        let a = try await evaluate(svc, same)
        XCTAssertFalse(symbols(a).contains("NEW_REPLYTO_FOR_KNOWN_SENDER"))
        let changed = inbound(from: "Rosa Mendel <billing@brightlinepackaging.com>", extra: "Reply-To: rosa.mendel.billing@gmail.com\n")
        let b = try await evaluate(svc, changed)
        XCTAssertTrue(symbols(b).contains("NEW_REPLYTO_FOR_KNOWN_SENDER"))
    }

    func testForgedOwnAddressNeverEarnsTrust() async throws {
        let svc = try Support.sqliteService()
        // The attacker sends mail "from" our CFO to an outside drop address, from outside, with a
        // forged A-R claiming a pass; then mail from the drop address must still be first contact.
        let forged = Support.message("""
            Authentication-Results: mx.northwind.example; dkim=pass header.d=callowayfreight.com
            From: David Lindqvist <david.lindqvist@callowayfreight.com>
            To: drop@evil.example
            Message-ID: <f1@callowayfreight.com>

            hello
            """, envelope: Envelope(mailFrom: "david.lindqvist@callowayfreight.com", recipients: ["drop@evil.example"], clientAddress: "203.0.113.9"))
        if let l = p.historyLesson(forged, verdict: accept) { try await svc.learn(l) }
        let h = try await svc.show("drop@evil.example")
        XCTAssertFalse(h.known)
        let fromDrop = inbound(from: "Drop <drop@evil.example>")
        let v = try await evaluate(svc, fromDrop)
        XCTAssertTrue(symbols(v).contains("FIRST_CONTACT_DOMAIN"))
    }

    func testWarmUpThenSeeded() async throws {
        let svc = try Support.sqliteService(warmupDays: 14)
        try await svc.store.setMeta("created_at", String(Int(Date().timeIntervalSince1970)), onlyIfAbsent: true)
        let q = try XCTUnwrap(p.historyQuery(inbound(from: "x <x@y.example>")))
        var f = try await svc.facts(for: q)
        XCTAssertNil(f, "learning only while warming up")
        try await svc.markSeeded()
        f = try await svc.facts(for: q)
        XCTAssertNotNil(f)
        // Or old enough.
        let old = try Support.sqliteService(warmupDays: 14)
        try await old.store.setMeta("created_at", String(Int(Date().timeIntervalSince1970) - 15 * 86_400), onlyIfAbsent: true)
        f = try await old.facts(for: q)
        XCTAssertNotNil(f)
    }

    func testHashedKeysKeepAddressesOutOfTheFile() async throws {
        let keyer = HistoryKeyer(secret: Array("a-site-secret-of-32-bytes-length".utf8))
        var s = HistorySettings()
        s.warmupDays = 0
        let path = Support.tempPath("hashed.sqlite")
        let svc = HistoryService(store: try SQLiteHistoryStore(path: path), keyer: keyer, settings: s)
        try await svc.learn(try XCTUnwrap(p.historyLesson(Support.message(outboundText, envelope: Support.outbound), verdict: accept)))
        let reply = inbound(from: "Partner <partner@northwind.example>")
        let v1 = try await evaluate(svc, reply)
        XCTAssertFalse(symbols(v1).contains("FIRST_CONTACT"))
        let v2 = try await evaluate(svc, inbound(from: "Nadia Brennan <nb@gmail.com>"))
        XCTAssertTrue(symbols(v2).contains("KNOWN_NAME_NEW_ADDRESS"))
        let shown = try await svc.show("partner@northwind.example")
        XCTAssertTrue(shown.known)
        for f in [path, path + "-wal"] {
            guard let d = FileManager.default.contents(atPath: f) else { continue }
            let text = String(decoding: d, as: UTF8.self)
            XCTAssertFalse(text.contains("northwind"), "\(f) holds a plain domain")
            XCTAssertFalse(text.contains("brennan"), "\(f) holds a plain name")
        }
    }

    func testADeadStoreIsSkippedAfterRepeatedFailures() async throws {
        var s = HistorySettings()
        s.warmupDays = 0
        s.lookupTimeoutMilliseconds = 1_000
        let q = try XCTUnwrap(p.historyQuery(inbound(from: "x <x@y.example>")))
        let slow = BlockingHistory(service: HistoryService(store: BrokenStore(delay: 0), settings: s), logger: Logger(label: "t"))
        for _ in 0..<BlockingHistory.breakerThreshold { _ = await Task.detached { slow.facts(for: q) }.value }
        let start = Date()
        let f = await Task.detached { slow.facts(for: q) }.value
        XCTAssertEqual(f, .unavailable)
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "answered at once while the breaker is open")
        XCTAssertEqual(slow.lookupsSkipped, 1)
    }

    func testStoreDownOrSlowSkipsHistoryAndSaysSo() async throws {
        var s = HistorySettings()
        s.warmupDays = 0
        s.lookupTimeoutMilliseconds = 50
        let q = try XCTUnwrap(p.historyQuery(inbound(from: "x <x@y.example>")))
        let down = BlockingHistory(service: HistoryService(store: BrokenStore(delay: 0), settings: s), logger: Logger(label: "t"))
        let slow = BlockingHistory(service: HistoryService(store: BrokenStore(delay: 2), settings: s), logger: Logger(label: "t"))
        for h in [down, slow] {
            let facts = await Task.detached { h.facts(for: q) }.value
            XCTAssertEqual(facts, .unavailable)
            let v = p.evaluate(inbound(from: "x <x@y.example>"), history: facts)
            XCTAssertEqual(v.action, .accept)
            XCTAssertTrue(v.findings.contains { $0.symbol == "HISTORY_UNAVAILABLE" })
            XCTAssertTrue(v.notes.contains { $0.contains("history store unavailable") })
        }
    }
}

/// A store that fails (delay 0) or answers too late.
struct BrokenStore: HistoryStore {
    var delay: Double
    func wait() async throws {
        if delay > 0 { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) }
        throw HistoryError("store down")
    }
    func lookup(_ query: HistoryQuery) async throws -> HistoryFacts { try await wait(); return HistoryFacts() }
    func learn(_ batch: [HistoryLesson]) async throws { try await wait() }
    func address(_ key: String, domain: String) async throws -> AddressHistory { try await wait(); return AddressHistory(address: key) }
    func meta(_ key: String) async throws -> String? { nil }
    func setMeta(_ key: String, _ value: String, onlyIfAbsent: Bool) async throws {}
    func prune(seenBefore: Date, messageIDsBefore: Date, maxEntries: Int) async throws -> Int { 0 }
    func counts() async throws -> [String: Int] { [:] }
    func close() async {}
}

extension Optional {
    func asyncMap<U>(_ f: (Wrapped) async throws -> U) async rethrows -> U? {
        guard let w = self else { return nil }
        return try await f(w)
    }
}

final class BlockingHistoryTests: XCTestCase {
    func testQueuedLessonsAreWrittenInBatchesAndAllArrive() async throws {
        let svc = try Support.sqliteService()
        let h = BlockingHistory(service: svc, logger: Logger(label: "t"))
        await Task.detached {
            for i in 0..<1_000 {
                h.learn(HistoryLesson(direction: .outbound, correspondents: [.init("p\(i)@partner.example")],
                                      pairs: [.init(local: "a@callowayfreight.com", remote: "p\(i)@partner.example")]))
            }
            h.flush(seconds: 20)
        }.value
        XCTAssertEqual(h.pending, 0)
        XCTAssertEqual(h.learned, 1_000)
        let c = try await svc.store.counts()
        XCTAssertEqual(c["hist_address"], 1_000)
        XCTAssertEqual(c["hist_pair"], 1_000)
    }

    func testBacklogIsBounded() async throws {
        let h = BlockingHistory(service: HistoryService(store: BrokenStore(delay: 1)), logger: Logger(label: "t"), maxPending: 10)
        await Task.detached {
            for i in 0..<50 { h.learn(HistoryLesson(direction: .ledgerOnly, messageIDs: ["\(i)@x"])) }
        }.value
        XCTAssertLessThanOrEqual(h.pending, 10)
        XCTAssertEqual(h.dropped, 40)
    }
}

final class HistoryBoundsTests: XCTestCase {
    func testHugeRecipientAndReplyToListsAreBounded() async throws {
        let rcpts = (0..<2_000).map { "r\($0)@callowayfreight.com" }
        let m = Support.message("""
            From: Partner <partner@northwind.example>
            To: everyone@callowayfreight.com
            Reply-To: \((0..<500).map { "x\($0)@evil.example" }.joined(separator: ", "))
            References: \((0..<500).map { "<\($0)@callowayfreight.com>" }.joined(separator: " "))

            hi
            """, envelope: Envelope(mailFrom: "partner@northwind.example", recipients: rcpts))
        let q = try XCTUnwrap(Support.pipeline.historyQuery(m))
        XCTAssertEqual(q.recipients.count, 200)
        XCTAssertEqual(q.replyTos.count, 10)
        XCTAssertEqual(q.threadIDs.count, 20)
        // And the store answers such a query.
        let svc = try Support.sqliteService()
        let f = try await svc.facts(for: q)
        XCTAssertEqual(f?.unseenThreadIDs.count, 20)
    }
}

final class ConcurrentLookupTests: XCTestCase {
    /// Hundreds of libmilter threads asking at once (what 200 SMTP sessions produce): every lookup
    /// is answered, none reported unavailable.
    func testManyThreadsLookingUpAtOnceAreAllAnswered() async throws {
        let svc = try Support.sqliteService()
        try await svc.learn(HistoryLesson(direction: .outbound, correspondents: [.init("p@partner.example")],
                                          pairs: [.init(local: "a@callowayfreight.com", remote: "p@partner.example")]))
        let h = BlockingHistory(service: svc, logger: Logger(label: "t"))
        let q = HistoryQuery(sender: "p@partner.example", senderDomain: "partner.example", recipients: ["a@callowayfreight.com"])
        let answers = Locked<[HistoryFacts?]>([])
        await Task.detached {
            DispatchQueue.concurrentPerform(iterations: 400) { _ in
                let f = h.facts(for: q)
                answers.withLock { $0.append(f) }
            }
        }.value
        XCTAssertEqual(answers.current.count, 400)
        XCTAssertTrue(answers.current.allSatisfy { $0?.available == true && $0?.senderKnown == true })
        XCTAssertEqual(h.lookupsSkipped, 0)
    }
}
