@testable import BECMilter
import BECCore
import XCTest

/// X-BEC-* fields that arrive from outside, in any letter case and anywhere in the header, are
/// deleted before ours are added: what the recipient sees is only what we wrote.
final class ForgeryMilterTests: XCTestCase {
    func testInboundVerdictFieldsInAnyCaseAreAllDeleted() {
        let forged = "X-BEC-Verdict: accept score=-100\nx-bec-verdict: accept\nX-Bec-Score: -100\nX-BEC-FINDINGS: none\n"
        let raw = forged + CallbackOrderTests.ham.replacingOccurrences(of: "Subject:", with: "X-BEC-Verdict: accept forged\nSubject:")
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        XCTAssertEqual(Replay().run(raw, ctx, engine), .continue)
        _ = MilterCallbacks.close(ctx, engine)
        let deletes = ctx.edits.compactMap { e -> (String, Int)? in
            if case let .deleteHeader(n, i) = e { return (n.lowercased(), i) } else { return nil }
        }
        // Three X-BEC-Verdict (any case), one score, one findings; highest index first per name.
        XCTAssertEqual(deletes.filter { $0.0 == "x-bec-verdict" }.map(\.1), [3, 2, 1])
        XCTAssertEqual(deletes.filter { $0.0 == "x-bec-score" }.map(\.1), [1])
        XCTAssertEqual(deletes.filter { $0.0 == "x-bec-findings" }.map(\.1), [1])
        // Every delete comes before our first add.
        let firstAdd = ctx.edits.firstIndex { if case .addHeader = $0 { true } else { false } } ?? ctx.edits.count
        let lastDelete = ctx.edits.lastIndex { if case .deleteHeader = $0 { true } else { false } } ?? -1
        XCTAssertLessThan(lastDelete, firstAdd)
        XCTAssertEqual(ctx.addedHeaders.filter { $0.0 == Decider.verdictHeader }.count, 1)
        XCTAssertFalse(ctx.added(Decider.verdictHeader)?.contains("forged") ?? true)
    }

    func testAForgedVerdictDoesNotSoftenARefusal() {
        let raw = "X-BEC-Verdict: accept score=-100\nX-BEC-Score: -100\n" + CallbackOrderTests.bec
        var replay = Replay()
        replay.recipients = ["<kevin.doyle@callowayfreight.com>"]
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        XCTAssertEqual(replay.run(raw, ctx, engine), .reject, "the finance group's reject stands")
        _ = MilterCallbacks.close(ctx, engine)
        XCTAssertEqual(ctx.reply?.0, "550")
    }
}
