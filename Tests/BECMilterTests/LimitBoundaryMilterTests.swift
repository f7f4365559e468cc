@testable import BECMilter
import BECCore
import BECRules
import Foundation
import XCTest

/// The milter's two limits at, under and over: bytes collected per message (`limits.max_message_bytes`,
/// then `milter.on_over_limit`) and time per message (`milter.timeout_seconds`, then `milter.on_timeout`).
final class LimitBoundaryMilterTests: XCTestCase {
    /// What the scanner saw: collected size and whether it was cut.
    final class Seen: @unchecked Sendable {
        let value = Locked<(bytes: Int, truncated: Bool)?>(nil)
    }

    func run(_ engine: MilterEngine, _ raw: String = CallbackOrderTests.bec) -> (CallbackResult, FakeMilterContext) {
        let ctx = FakeMilterContext()
        let r = Replay().run(raw, ctx, engine)
        _ = MilterCallbacks.close(ctx, engine)
        return (r, ctx)
    }

    func recordingEngine(limit: Int, onOverLimit: FailureAction, seen: Seen) -> MilterEngine {
        var config = Fixtures.configuration { _, p in p.limits.maxMessageBytes = limit }
        config.settings.onOverLimit = onOverLimit
        return Fixtures.engine(config, scanner: { m in
            seen.value.withLock { $0 = (m.bytes.count, m.truncated) }
            return try MilterEngine.pipelineScanner(m)
        })
    }

    func testMessageBytesUnderAtAndOverTheLimit() throws {
        // The size the milter collects for this message (headers as libmilter hands them, CRLF body).
        let probe = Seen()
        _ = run(recordingEngine(limit: 1 << 20, onOverLimit: .tempfail, seen: probe))
        let size = try XCTUnwrap(probe.value.current).bytes
        let full = run(Fixtures.engine()).1.added("X-BEC-Verdict")

        for limit in [size + 1, size] {
            let seen = Seen()
            let (r, ctx) = run(recordingEngine(limit: limit, onOverLimit: .tempfail, seen: seen))
            XCTAssertEqual(seen.value.current?.bytes, size, "limit \(limit): the whole message is scanned")
            XCTAssertEqual(seen.value.current?.truncated, false)
            XCTAssertEqual(r, .continue)
            XCTAssertEqual(ctx.added("X-BEC-Verdict"), full, "limit \(limit): the verdict of the whole message, not partial")
        }

        // One byte over: the configured failure action, or (accept) a verdict on what fits, marked partial.
        let seen = Seen()
        var (r, ctx) = run(recordingEngine(limit: size - 1, onOverLimit: .tempfail, seen: seen))
        XCTAssertEqual(r, .tempfail)
        XCTAssertEqual(ctx.reply?.0, "451")
        XCTAssertNil(seen.value.current, "not scanned: the policy answered")
        (r, ctx) = run(recordingEngine(limit: size - 1, onOverLimit: .reject, seen: seen))
        XCTAssertEqual(r, .reject)
        XCTAssertEqual(ctx.reply?.0, "552")
        (r, ctx) = run(recordingEngine(limit: size - 1, onOverLimit: .accept, seen: seen))
        XCTAssertEqual(seen.value.current?.bytes, size - 1, "scanned up to the limit")
        XCTAssertEqual(seen.value.current?.truncated, true)
        XCTAssertTrue(ctx.added("X-BEC-Verdict")?.hasSuffix("partial=over_limit") ?? false, ctx.added("X-BEC-Verdict") ?? "none")
    }

    /// A scanner that takes `seconds`, under a deadline of `deadline` seconds.
    func timedEngine(seconds: Double, deadline: Double, onTimeout: FailureAction) -> MilterEngine {
        let config = Fixtures.configuration { s, _ in s.onTimeout = onTimeout }
        return Fixtures.engine(config, scanner: { m in
            Thread.sleep(forTimeInterval: seconds)
            return try MilterEngine.pipelineScanner(m)
        }, deadline: deadline)
    }

    func testTimePerMessageUnderAndOverTheDeadline() {
        // Well under the deadline: scanned, the normal verdict (quarantine for ops@).
        var engine = timedEngine(seconds: 0.01, deadline: 2, onTimeout: .tempfail)
        var (r, ctx) = run(engine)
        XCTAssertEqual(r, .continue)
        XCTAssertEqual(ctx.added("X-BEC-Verdict")?.split(separator: " ").first, "quarantine")
        XCTAssertNil(engine.stats.failures["timeout"])

        // Over it, each configured action.
        engine = timedEngine(seconds: 0.6, deadline: 0.1, onTimeout: .tempfail)
        (r, ctx) = run(engine)
        XCTAssertEqual(r, .tempfail)
        XCTAssertEqual(ctx.reply?.0, "451")
        XCTAssertEqual(engine.stats.failures["timeout"], 1)

        engine = timedEngine(seconds: 0.6, deadline: 0.1, onTimeout: .reject)
        (r, ctx) = run(engine)
        XCTAssertEqual(r, .reject)
        XCTAssertEqual(ctx.reply?.0, "550")

        engine = timedEngine(seconds: 0.6, deadline: 0.1, onTimeout: .accept)
        (r, ctx) = run(engine)
        XCTAssertEqual(r, .continue)
        XCTAssertEqual(ctx.added("X-BEC-Verdict"), "unscanned reason=timeout", "fail-open is labelled, never a clean verdict")
        XCTAssertFalse(ctx.edits.contains { if case .quarantine = $0 { true } else { false } })
    }

    func testTimeoutSecondsIsTheDeadlineByDefault() {
        var config = Fixtures.configuration { s, _ in s.onTimeout = .tempfail }
        config.settings.timeoutSeconds = 1
        let engine = Fixtures.engine(config, scanner: { m in
            Thread.sleep(forTimeInterval: 1.6)
            return try MilterEngine.pipelineScanner(m)
        })
        let started = Date()
        let (r, _) = run(engine)
        XCTAssertEqual(r, .tempfail)
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5, "answered at the deadline, not when the scan ended")
    }
}
