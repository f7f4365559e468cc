@testable import BECMilter
import BECCore
import BECRules
import XCTest

/// Internal errors, over-limit messages and timeouts go through the configured failure policy,
/// and every one is counted.
final class FailurePolicyTests: XCTestCase {
    struct Boom: Error {}

    func run(_ engine: MilterEngine, _ raw: String = CallbackOrderTests.ham, refuse: @escaping (MilterEdit) -> Bool = { _ in false }) -> (CallbackResult, FakeMilterContext) {
        let ctx = FakeMilterContext()
        ctx.refuse = refuse
        let r = Replay().run(raw, ctx, engine)
        _ = MilterCallbacks.close(ctx, engine)
        return (r, ctx)
    }

    func testScannerErrorFollowsOnInternalError() {
        for (action, expected) in [(FailureAction.tempfail, CallbackResult.tempfail), (.reject, .reject), (.accept, .continue)] {
            let config = Fixtures.configuration { s, _ in s.onInternalError = action }
            let engine = Fixtures.engine(config, scanner: { _ in throw Boom() })
            let (r, ctx) = run(engine)
            XCTAssertEqual(r, expected, "\(action)")
            XCTAssertEqual(engine.stats.failures["internal_error"], 1)
            switch action {
            case .tempfail: XCTAssertEqual(ctx.reply?.0, "451")
            case .reject: XCTAssertEqual(ctx.reply?.0, "550")
            case .accept: XCTAssertEqual(ctx.added("X-BEC-Verdict"), "unscanned reason=internal_error")
            }
        }
    }

    func testSlowScanFollowsOnTimeout() {
        let config = Fixtures.configuration { s, _ in s.onTimeout = .tempfail }
        let engine = Fixtures.engine(config, scanner: { m in
            Thread.sleep(forTimeInterval: 0.5)
            return try MilterEngine.pipelineScanner(m)
        }, deadline: 0.05)
        let (r, ctx) = run(engine)
        XCTAssertEqual(r, .tempfail)
        XCTAssertEqual(ctx.reply?.1, "4.7.1")
        XCTAssertEqual(engine.stats.failures["timeout"], 1)
    }

    func testOverLimitFollowsOnOverLimit() {
        let small: (inout MilterSettings, inout Policy) -> Void = { _, p in p.limits.maxMessageBytes = 300 }
        var config = Fixtures.configuration(small)
        config.settings.onOverLimit = .tempfail
        var engine = Fixtures.engine(config)
        var (r, ctx) = run(engine, CallbackOrderTests.bec)
        XCTAssertEqual(r, .tempfail)
        XCTAssertEqual(engine.stats.failures["over_limit"], 1)

        config.settings.onOverLimit = .reject
        engine = Fixtures.engine(config)
        (r, ctx) = run(engine, CallbackOrderTests.bec)
        XCTAssertEqual(r, .reject)
        XCTAssertEqual(ctx.reply?.0, "552")

        // accept: judged on what fits, marked partial; never an unscanned pass.
        config.settings.onOverLimit = .accept
        engine = Fixtures.engine(config)
        (r, ctx) = run(engine, CallbackOrderTests.bec)
        XCTAssertEqual(r, .continue)
        XCTAssertTrue(ctx.added("X-BEC-Verdict")?.hasSuffix("partial=over_limit") ?? false, ctx.added("X-BEC-Verdict") ?? "")
        XCTAssertNil(engine.stats.failures["over_limit"], "scanned, so not a failure event")
    }

    func testRefusedQuarantineDoesNotDeliverTheMessage() {
        let engine = Fixtures.engine()
        let (r, ctx) = run(engine, CallbackOrderTests.bec, refuse: { if case .quarantine = $0 { return true } else { return false } })
        XCTAssertEqual(r, .tempfail, "on_internal_error is tempfail in the example config")
        XCTAssertEqual(ctx.reply?.0, "451")
        XCTAssertEqual(engine.stats.editFailures, 1)
        XCTAssertEqual(engine.stats.failures["internal_error"], 1)
    }

    func testRefusedHeaderEditIsCountedButTheVerdictStands() {
        let engine = Fixtures.engine()
        let (r, _) = run(engine, refuse: { if case .addHeader = $0 { return true } else { return false } })
        XCTAssertEqual(r, .continue)
        XCTAssertEqual(engine.stats.editFailures, 3)
    }

    func testQuarantineRecordReachesTheStoreAndAStoreOutageIsCounted() {
        let store = CollectingStore()
        var engine = Fixtures.engine(store: store)
        var (r, ctx) = run(engine, CallbackOrderTests.bec)
        XCTAssertEqual(r, .continue)
        guard case .quarantine? = ctx.edits.last else { return XCTFail("\(ctx.edits)") }
        XCTAssertEqual(store.records.current.count, 1)
        XCTAssertEqual(store.records.current.first?.verdict.action, .quarantine)
        XCTAssertTrue(store.records.current.first?.reason.hasPrefix("bec-milter quarantine score=") ?? false)

        // The store is written before the answer; when it fails, quarantine.on_store_error applies
        // (tempfail by default) and nothing is put on hold that the store does not have.
        store.fail = true
        engine = Fixtures.engine(store: store)
        (r, ctx) = run(engine, CallbackOrderTests.bec)
        XCTAssertEqual(r, .tempfail, "never a silent accept when the store is down")
        XCTAssertFalse(ctx.edits.contains { if case .quarantine = $0 { true } else { false } })
        XCTAssertEqual(engine.stats.quarantineStoreErrors, 1)
        XCTAssertEqual(engine.stats.failures["store_error"], 1)
    }

    func testVerdictLineIsJSONWithTheQueueIDAndNoSubject() throws {
        let sink = CollectingSink()
        let engine = Fixtures.engine(sink: sink)
        let ctx = FakeMilterContext()
        ctx.macros = ["i": "4QID77"]
        Replay().run(CallbackOrderTests.bec, ctx, engine)
        _ = MilterCallbacks.close(ctx, engine)
        let line = try XCTUnwrap(sink.all.first)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(obj["queue_id"] as? String, "4QID77")
        XCTAssertEqual(obj["action"] as? String, "quarantine")
        XCTAssertEqual(obj["event"] as? String, "bec.verdict")
        XCTAssertFalse(line.contains("Request"), "no subject in the SIEM line")
        XCTAssertFalse(line.contains("\n"))
    }

    func testReloadRefusesABrokenConfigurationAndKeepsTheOldOne() {
        let attempt = Locked(0)
        let engine = Fixtures.engine(loader: {
            let n = attempt.withLock { $0 += 1; return $0 }
            if n == 1 { throw ConfigErrors([ConfigError(file: "site.yaml", line: 3, column: 7, "unknown key 'thresholdz'")]) }
            return Fixtures.configuration { s, _ in s.subjectPrefix = "[NEW]" }
        })
        XCTAssertFalse(engine.reload())
        XCTAssertEqual(engine.configuration.generation, 1)
        XCTAssertEqual(engine.stats.reloadFailures, 1)
        XCTAssertTrue(engine.reload())
        XCTAssertEqual(engine.configuration.generation, 2)
        XCTAssertEqual(engine.configuration.settings.subjectPrefix, "[NEW]")
    }

    func testAMessageKeepsTheGenerationItStartedWith() {
        let engine = Fixtures.engine(loader: { Fixtures.configuration { s, _ in s.actions[.quarantine] = .reject } })
        let ctx = FakeMilterContext()
        _ = MilterCallbacks.connect(ctx, engine, hostName: nil, address: "198.51.100.7")
        _ = MilterCallbacks.mailFrom(ctx, engine, arguments: ["<x@gmail.com>"])
        _ = MilterCallbacks.recipient(ctx, engine, arguments: ["<ops@callowayfreight.com>"])
        XCTAssertTrue(engine.reload(), "reload between MAIL FROM and end of message")
        let (fields, body) = Replay.split(CallbackOrderTests.bec)
        for (n, v) in fields { _ = MilterCallbacks.header(ctx, engine, name: n, value: v) }
        body.withUnsafeBytes { _ = MilterCallbacks.body(ctx, engine, chunk: $0) }
        XCTAssertEqual(MilterCallbacks.endOfMessage(ctx, engine), .continue, "still the old mapping: quarantine")
        var r = Replay()
        r.connect = false
        XCTAssertEqual(r.run(CallbackOrderTests.bec, ctx, engine), .reject, "the next message uses generation 2")
        _ = MilterCallbacks.close(ctx, engine)
    }
}
