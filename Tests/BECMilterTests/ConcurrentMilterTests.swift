@testable import BECMilter
import BECCore
import BECRules
import Dispatch
import Foundation
import XCTest

/// libmilter runs each connection's callbacks on whichever pool thread is free, many connections at
/// once, while SIGHUP reloads and SIGTERM drains from other threads. These tests do the same so that
/// `Tests/sanitizers.sh thread` (TSan) sees every shared path: connections, counters, the
/// configuration swap, the scan deadline's abandoned scans, the quarantine hook and the verdict sink.
final class ConcurrentMilterTests: XCTestCase {
    /// One message whose callbacks each run on a different thread, in order (as libmilter does).
    static func hoppingThreads(_ raw: String, _ ctx: FakeMilterContext, _ engine: MilterEngine, recipient: String) -> CallbackResult {
        let queue = DispatchQueue(label: "hop", attributes: .concurrent)
        func onAnotherThread<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T {
            let box = Locked<T?>(nil)
            let done = DispatchSemaphore(value: 0)
            queue.async { box.withLock { $0 = body() }; done.signal() }
            done.wait()
            return box.current!
        }
        let c = UncheckedBox(ctx)
        _ = onAnotherThread { MilterCallbacks.connect(c.value, engine, hostName: "mail.example.net", address: "198.51.100.7") }
        _ = onAnotherThread { MilterCallbacks.mailFrom(c.value, engine, arguments: ["<x@example.net>"]) }
        _ = onAnotherThread { MilterCallbacks.recipient(c.value, engine, arguments: [recipient]) }
        let (fields, body) = Replay.split(raw)
        for (n, v) in fields { _ = onAnotherThread { MilterCallbacks.header(c.value, engine, name: n, value: v) } }
        _ = onAnotherThread { MilterCallbacks.endOfHeaders(c.value, engine) }
        _ = onAnotherThread { body.withUnsafeBytes { MilterCallbacks.body(c.value, engine, chunk: $0) } }
        let r = onAnotherThread { MilterCallbacks.endOfMessage(c.value, engine) }
        _ = onAnotherThread { MilterCallbacks.close(c.value, engine) }
        return r
    }

    func testCallbacksOfOneConnectionOnDifferentThreadsManyConnectionsAtOnce() {
        let store = CollectingStore()
        let sink = CollectingSink()
        let engine = Fixtures.engine(sink: sink, store: store)
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            for n in 0..<6 {
                let ctx = FakeMilterContext()
                let bec = (k + n) % 2 == 0
                let r = Self.hoppingThreads(bec ? CallbackOrderTests.bec : CallbackOrderTests.ham, ctx, engine,
                                       recipient: "<ops@callowayfreight.com>")
                XCTAssertEqual(r, .continue)
                XCTAssertEqual(ctx.added("X-BEC-Verdict")?.split(separator: " ").first, bec ? "quarantine" : "accept")
                _ = engine.stats          // read while others write
                _ = engine.messagesInFlight
            }
        }
        XCTAssertEqual(engine.stats.messages, 48)
        XCTAssertEqual(engine.messagesInFlight, 0)
        XCTAssertEqual(store.records.current.count, 24)
        XCTAssertEqual(sink.all.count, 48)
    }

    func testReloadsWhileMessagesFlow() {
        let generation = Locked(0)
        let engine = Fixtures.engine(loader: {
            let g = generation.withLock { $0 += 1; return $0 }
            if g % 3 == 0 { throw ConfigErrors([ConfigError(file: "site.yaml", line: g, column: 1, "broken on purpose")]) }
            return Fixtures.defaultConfiguration
        })
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            for _ in 0..<30 { engine.reload(); usleep(2000) }
        }
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            for _ in 0..<10 {
                let ctx = FakeMilterContext()
                XCTAssertEqual(Replay().run(CallbackOrderTests.ham, ctx, engine), .continue)
                _ = MilterCallbacks.close(ctx, engine)
                XCTAssertNotNil(ctx.added("X-BEC-Verdict"))
            }
        }
        group.wait()
        XCTAssertEqual(engine.stats.reloads + engine.stats.reloadFailures, 30)
        XCTAssertEqual(engine.stats.reloadFailures, 10)
        XCTAssertEqual(engine.configuration.generation, 21)
        XCTAssertEqual(engine.stats.messages, 60)
    }

    func testAbandonedScansFinishInTheBackground() {
        let config = Fixtures.configuration { s, _ in s.onTimeout = .tempfail }
        let finished = Locked(0)
        let engine = Fixtures.engine(config, scanner: { m in
            usleep(30_000)
            defer { finished.withLock { $0 += 1 } }
            return try MilterEngine.pipelineScanner(m)
        }, deadline: 0.005)
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            for _ in 0..<4 {
                let ctx = FakeMilterContext()
                XCTAssertEqual(Replay().run(CallbackOrderTests.ham, ctx, engine), .tempfail)
                _ = MilterCallbacks.close(ctx, engine)
            }
        }
        let end = Date().addingTimeInterval(10)
        while finished.current < 24, Date() < end { usleep(10_000) }
        XCTAssertEqual(finished.current, 24, "every abandoned scan ran to its end")
        XCTAssertEqual(engine.stats.failures["timeout"], 24)
    }

    func testDrainWaitsForMessagesOnOtherThreads() async {
        let engine = Fixtures.engine(scanner: { m in
            usleep(200_000)
            return try MilterEngine.pipelineScanner(m)
        })
        let started = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let ctx = FakeMilterContext()
            _ = MilterCallbacks.connect(ctx, engine, hostName: nil, address: "198.51.100.7")
            _ = MilterCallbacks.mailFrom(ctx, engine, arguments: ["<x@example.net>"])
            started.signal()
            Replay.split(CallbackOrderTests.ham).0.forEach { _ = MilterCallbacks.header(ctx, engine, name: $0.0, value: $0.1) }
            _ = MilterCallbacks.endOfMessage(ctx, engine)
            _ = MilterCallbacks.close(ctx, engine)
            done.signal()
        }
        started.wait()
        engine.beginDrain()
        let left = await engine.drain(timeout: 5)
        XCTAssertEqual(left, 0)
        XCTAssertTrue(engine.isDraining)
        done.wait()
    }
}

/// Hands a non-Sendable test object to another thread; the callers serialise access themselves.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
