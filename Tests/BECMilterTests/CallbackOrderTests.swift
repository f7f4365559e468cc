@testable import BECMilter
import BECCore
import BECRules
import XCTest

/// The callbacks against a fake context that replays libmilter's orders: the normal one, close
/// first or alone, an abort mid-message, a NULL client address, several messages per connection.
final class CallbackOrderTests: XCTestCase {
    static let ham = """
    Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=example.net; dkim=pass header.d=example.net; dmarc=pass header.from=example.net
    From: Pat Jones <pat@example.net>
    To: kevin.doyle@callowayfreight.com
    Subject: Lunch on Friday
    Message-ID: <1@example.net>

    Shall we meet at noon?

    """
    /// Quarantine (score 14) for ops@; reject for the finance group's stricter thresholds.
    static let bec = """
    Authentication-Results: mx.callowayfreight.com; spf=pass smtp.mailfrom=gmail.com; dkim=pass header.d=gmail.com; dmarc=pass header.from=gmail.com
    From: David Lindqvist <dl.cfo.private@gmail.com>
    To: ops@callowayfreight.com
    Subject: Request

    Are you at your desk? I need you to buy some gift cards for clients, keep it between us.

    """

    func testNormalOrderTagsEveryMessageAndReleasesTheConnection() {
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        ctx.macros = ["i": "4ABC123", "j": "mx.callowayfreight.com", "{daemon_name}": "smtpd"]
        XCTAssertEqual(Replay().run(Self.ham, ctx, engine), .continue)
        XCTAssertEqual(ctx.added("X-BEC-Verdict")?.split(separator: " ").first, "accept")
        XCTAssertNotNil(ctx.added("X-BEC-Score"))
        XCTAssertNotNil(ctx.added("X-BEC-Findings"))
        weak let connection = ctx.privateData.map { Unmanaged<MilterConnection>.fromOpaque($0).takeUnretainedValue() }
        XCTAssertNotNil(connection)
        XCTAssertEqual(MilterCallbacks.close(ctx, engine), .continue)
        XCTAssertNil(ctx.privateData)
        XCTAssertNil(connection, "close releases the retained connection")
        XCTAssertEqual(engine.stats.messages, 1)
        XCTAssertEqual(engine.messagesInFlight, 0)
    }

    func testCloseFirstAloneAndTwiceIsHarmless() {
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        XCTAssertEqual(MilterCallbacks.close(ctx, engine), .continue)
        XCTAssertEqual(MilterCallbacks.close(ctx, engine), .continue)
        XCTAssertEqual(MilterCallbacks.abort(ctx, engine), .continue, "abort with no private data")
        XCTAssertEqual(Replay().run(Self.ham, ctx, engine), .continue, "a connection can still follow")
        XCTAssertEqual(MilterCallbacks.close(ctx, engine), .continue)
        XCTAssertEqual(MilterCallbacks.close(ctx, engine), .continue)
        XCTAssertEqual(engine.stats.connections, 1)
    }

    func testAbortMidMessageLeavesNothingForTheNextMessage() {
        let seen = Locked<[String]>([])
        let engine = Fixtures.engine(scanner: { m in
            seen.withLock { $0.append(String(decoding: m.bytes, as: UTF8.self)) }
            return try MilterEngine.pipelineScanner(m)
        })
        let ctx = FakeMilterContext()
        _ = MilterCallbacks.connect(ctx, engine, hostName: "h", address: "198.51.100.7")
        _ = MilterCallbacks.mailFrom(ctx, engine, arguments: ["<a@example.net>"])
        _ = MilterCallbacks.header(ctx, engine, name: "Subject", value: "first, aborted")
        XCTAssertEqual(engine.messagesInFlight, 1)
        XCTAssertEqual(MilterCallbacks.abort(ctx, engine), .continue)
        XCTAssertEqual(engine.messagesInFlight, 0)
        var r = Replay()
        r.connect = false
        XCTAssertEqual(r.run(Self.ham, ctx, engine), .continue)
        XCTAssertEqual(seen.current.count, 1)
        XCTAssertFalse(seen.current[0].contains("first, aborted"))
        XCTAssertEqual(engine.stats.aborted, 1)
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testCloseInTheMiddleOfAMessageCountsItAborted() {
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        _ = MilterCallbacks.connect(ctx, engine, hostName: nil, address: nil)
        _ = MilterCallbacks.mailFrom(ctx, engine, arguments: ["<a@example.net>"])
        _ = MilterCallbacks.close(ctx, engine)
        XCTAssertEqual(engine.messagesInFlight, 0)
        XCTAssertEqual(engine.stats.aborted, 1)
    }

    func testNullHostAddressFallsBackToTheMacroOrStaysUnknown() {
        let captured = Locked<[Envelope]>([])
        let engine = Fixtures.engine(scanner: { m in
            captured.withLock { $0.append(m.envelope) }
            return try MilterEngine.pipelineScanner(m)
        })
        var replay = Replay()
        replay.address = nil
        replay.hostName = nil
        let a = FakeMilterContext()
        replay.run(Self.ham, a, engine)
        let b = FakeMilterContext()
        b.macros = ["{client_addr}": "IPv6:2001:db8::25", "{client_name}": "mail.example.net"]
        replay.run(Self.ham, b, engine)
        let c = FakeMilterContext()
        replay.hostName = "[203.0.113.9]"
        replay.address = "203.0.113.9"
        c.macros = ["{client_name}": "unknown"]
        replay.run(Self.ham, c, engine)
        XCTAssertNil(captured.current[0].clientAddress)
        XCTAssertNil(captured.current[0].clientName)
        XCTAssertEqual(captured.current[1].clientAddress, "2001:db8::25")
        XCTAssertEqual(captured.current[1].clientName, "mail.example.net")
        XCTAssertEqual(captured.current[2].clientAddress, "203.0.113.9")
        XCTAssertNil(captured.current[2].clientName, "a bracketed address is not a verified name")
        for ctx in [a, b, c] { _ = MilterCallbacks.close(ctx, engine) }
    }

    func testEnvelopeAndMacrosReachTheCore() {
        let captured = Locked<[Envelope]>([])
        let engine = Fixtures.engine(scanner: { m in
            captured.withLock { $0.append(m.envelope) }
            return try MilterEngine.pipelineScanner(m)
        })
        let ctx = FakeMilterContext()
        ctx.macros = ["{auth_authen}": "kevin", "{daemon_name}": "submission", "i": "QID42"]
        var replay = Replay()
        replay.mailFrom = "<>"
        replay.recipients = ["<a@callowayfreight.com>", "<b@callowayfreight.com>"]
        replay.run(Self.ham, ctx, engine)
        let env = captured.current[0]
        XCTAssertEqual(env.mailFrom, "", "the null sender")
        XCTAssertEqual(env.recipients, ["a@callowayfreight.com", "b@callowayfreight.com"])
        XCTAssertEqual(env.authenticatedUser, "kevin")
        XCTAssertEqual(env.daemonName, "submission")
        XCTAssertEqual(env.queueID, "QID42")
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testInternalMailFollowsThePolicy() {
        let skip = Fixtures.engine(Fixtures.configuration { _, p in p.internalMail = .skip })
        let ctx = FakeMilterContext()
        ctx.macros = ["{auth_authen}": "david.lindqvist"]
        XCTAssertEqual(Replay().run(Self.bec, ctx, skip), .continue)
        XCTAssertEqual(ctx.added("X-BEC-Verdict")?.split(separator: " ").first, "accept", "authenticated submission, internal_mail: skip")
        _ = MilterCallbacks.close(ctx, skip)
        let inbound = FakeMilterContext()
        XCTAssertEqual(Replay().run(Self.bec, inbound, skip), .continue)
        XCTAssertEqual(inbound.added("X-BEC-Verdict")?.split(separator: " ").first, "quarantine", "the same message from outside")
        _ = MilterCallbacks.close(inbound, skip)
    }

    func testSeveralMessagesOnOneConnectionAndAReconnect() {
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        var replay = Replay()
        XCTAssertEqual(replay.run(Self.ham, ctx, engine), .continue)
        replay.connect = false
        XCTAssertEqual(replay.run(Self.ham, ctx, engine), .continue)
        // QUIT_NC: libmilter calls close, then connect again on the same context.
        _ = MilterCallbacks.close(ctx, engine)
        replay.connect = true
        XCTAssertEqual(replay.run(Self.ham, ctx, engine), .continue)
        _ = MilterCallbacks.close(ctx, engine)
        XCTAssertEqual(engine.stats.messages, 3)
        XCTAssertEqual(engine.stats.connections, 2)
        XCTAssertEqual(ctx.addedHeaders.filter { $0.0 == "X-BEC-Verdict" }.count, 3)
    }

    func testHeadersAndBodyWithoutMailFromAreStillScanned() {
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        let (fields, body) = Replay.split(Self.ham)
        for (n, v) in fields { _ = MilterCallbacks.header(ctx, engine, name: n, value: v) }
        _ = MilterCallbacks.endOfHeaders(ctx, engine)
        body.withUnsafeBytes { _ = MilterCallbacks.body(ctx, engine, chunk: $0) }
        XCTAssertEqual(MilterCallbacks.endOfMessage(ctx, engine), .continue)
        XCTAssertNotNil(ctx.added("X-BEC-Verdict"))
        XCTAssertEqual(engine.messagesInFlight, 0)
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testEndOfMessageWithNothingCollectedAppliesTheInternalErrorPolicy() {
        let engine = Fixtures.engine()
        let ctx = FakeMilterContext()
        XCTAssertEqual(MilterCallbacks.endOfMessage(ctx, engine), .tempfail)
        XCTAssertEqual(ctx.reply?.0, "451")
        XCTAssertEqual(engine.stats.failures["internal_error"], 1)
        _ = MilterCallbacks.close(ctx, engine)
    }

    func testBodyChunkSizesDoNotChangeTheBytes() {
        var seen: [[UInt8]] = []
        for size in [1, 2, 7, 100, 65535] {
            let box = Locked<[UInt8]>([])
            let engine = Fixtures.engine(scanner: { m in
                box.withLock { $0 = m.bytes }
                return try MilterEngine.pipelineScanner(m)
            })
            let ctx = FakeMilterContext()
            var r = Replay()
            r.chunkSize = size
            r.run(Self.bec, ctx, engine)
            _ = MilterCallbacks.close(ctx, engine)
            seen.append(box.current)
        }
        XCTAssertTrue(seen.allSatisfy { $0 == seen[0] })
        XCTAssertTrue(String(decoding: seen[0], as: UTF8.self).hasSuffix("keep it between us.\r\n"))
    }

    func testConnectionsOnManyThreads() {
        let engine = Fixtures.engine()
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<25 {
                let ctx = FakeMilterContext()
                Replay().run(Self.ham, ctx, engine)
                _ = MilterCallbacks.close(ctx, engine)
            }
        }
        XCTAssertEqual(engine.stats.messages, 200)
        XCTAssertEqual(engine.stats.connections, 200)
        XCTAssertEqual(engine.messagesInFlight, 0)
        XCTAssertEqual(engine.stats.applied["accept"], 200)
    }
}
