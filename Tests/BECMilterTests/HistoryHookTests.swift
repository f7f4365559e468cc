import BECCore
import BECMilter
import BECRules
import Foundation
import XCTest

/// The milter asks history before scoring and lets only delivered mail teach it.
final class HistoryHookTests: XCTestCase {
    final class RecordingHistory: HistorySource, @unchecked Sendable {
        let lock = NSLock()
        var queries: [HistoryQuery] = []
        var lessons: [HistoryLesson] = []
        let answer: HistoryFacts?
        init(answer: HistoryFacts?) { self.answer = answer }
        func facts(for query: HistoryQuery) -> HistoryFacts? { lock.withLock { queries.append(query) }; return answer }
        func learn(_ lesson: HistoryLesson) { lock.withLock { lessons.append(lesson) } }
    }

    func testOutboundSubmissionTeachesAndIsNotLookedUp() {
        let h = RecordingHistory(answer: HistoryFacts())
        let engine = Fixtures.engine(history: h)
        let ctx = FakeMilterContext()
        ctx.macros = ["{auth_authen}": "margaret"]
        var r = Replay()
        r.mailFrom = "<margaret.okafor@callowayfreight.com>"
        r.recipients = ["<partner@northwind.example>"]
        XCTAssertEqual(r.run("""
            From: Margaret Okafor <margaret.okafor@callowayfreight.com>
            To: partner@northwind.example
            Subject: Tuesday
            Message-ID: <m1@callowayfreight.com>

            See you.

            """, ctx, engine), .continue)
        XCTAssertTrue(h.queries.isEmpty, "our own outbound mail is not looked up")
        XCTAssertEqual(h.lessons.count, 1)
        XCTAssertEqual(h.lessons.first?.direction, .outbound)
        XCTAssertEqual(h.lessons.first?.correspondents.map(\.address), ["partner@northwind.example"])
        XCTAssertEqual(h.lessons.first?.messageIDs, ["m1@callowayfreight.com"])
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testFactsReachTheVerdict() {
        let h = RecordingHistory(answer: HistoryFacts(senderKnown: false, senderDomainKnown: false))
        let engine = Fixtures.engine(history: h)
        let ctx = FakeMilterContext()
        XCTAssertEqual(Replay().run(CallbackOrderTests.ham, ctx, engine), .continue)
        XCTAssertEqual(h.queries.first?.sender, "pat@example.net")
        XCTAssertEqual(h.queries.first?.recipients, ["ops@callowayfreight.com"])
        XCTAssertTrue(ctx.added("X-BEC-Findings")?.contains("FIRST_CONTACT_DOMAIN") ?? false, ctx.added("X-BEC-Findings") ?? "")
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testHeldAndRejectedMailTeachNothing() {
        let h = RecordingHistory(answer: HistoryFacts(senderKnown: true, senderDomainKnown: true))
        let engine = Fixtures.engine(history: h)
        let ctx = FakeMilterContext()
        XCTAssertEqual(Replay().run(CallbackOrderTests.bec, ctx, engine), .continue)
        XCTAssertEqual(ctx.added("X-BEC-Verdict")?.split(separator: " ").first, "quarantine")
        var r = Replay()
        r.recipients = ["<kevin.doyle@callowayfreight.com>"]
        XCTAssertEqual(r.run(CallbackOrderTests.bec, ctx, engine), .reject, "the finance group's stricter thresholds")
        XCTAssertTrue(h.lessons.isEmpty, "held and rejected messages teach nothing: \(h.lessons)")
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testAcceptedAuthenticatedInboundTeaches() {
        let h = RecordingHistory(answer: HistoryFacts(senderKnown: true, senderDomainKnown: true))
        let engine = Fixtures.engine(history: h)
        let ctx = FakeMilterContext()
        XCTAssertEqual(Replay().run(CallbackOrderTests.ham, ctx, engine), .continue)
        XCTAssertEqual(ctx.added("X-BEC-Verdict")?.split(separator: " ").first, "accept")
        XCTAssertEqual(h.lessons.first?.direction, .inbound)
        XCTAssertEqual(h.lessons.first?.pairs.map(\.remote), ["pat@example.net"])
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testStoreDownStillAnswersAndSaysSo() {
        let h = RecordingHistory(answer: .unavailable)
        let sink = CollectingSink()
        let engine = Fixtures.engine(sink: sink, history: h)
        let ctx = FakeMilterContext()
        XCTAssertEqual(Replay().run(CallbackOrderTests.ham, ctx, engine), .continue)
        XCTAssertEqual(ctx.added("X-BEC-Verdict")?.split(separator: " ").first, "accept")
        XCTAssertTrue(sink.all.last?.contains("history store unavailable") ?? false, sink.all.last ?? "no verdict line")
        XCTAssertTrue(ctx.added("X-BEC-Verdict")?.hasSuffix(" history=unavailable") ?? false, ctx.added("X-BEC-Verdict") ?? "")
        _ = MilterCallbacks.close(ctx, engine)
    }
}
