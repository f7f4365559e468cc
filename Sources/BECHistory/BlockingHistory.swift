import BECCore
import BECQuarantine
import BECRules
import Dispatch
import Foundation
import Logging

/// Sender history for the milter's libmilter threads (not Swift concurrency threads): a lookup
/// waits at most `history.lookup_timeout_ms` and otherwise reports the store unavailable (the
/// history detectors are skipped and the verdict says so; mail keeps flowing). Learning is queued
/// and never delays an answer; past `maxPending` lessons waiting, new ones are dropped and counted.
public final class BlockingHistory: Sendable {
    public let service: HistoryService
    let logger: Logger
    let maxPending: Int
    private let state = Locked(State())

    struct State {
        var pending = 0
        var dropped = 0
        var failures = 0
        var learned = 0
        var lastPrune = Date()
        /// Lookups failed in a row, and until when lookups are skipped after too many.
        var failingInRow = 0
        var skipUntil = Date.distantPast
        var skipped = 0
        var queue: [HistoryLesson] = []
        var writing = false
    }

    /// After this many lookups fail in a row, lookups are skipped (answered unavailable at once)
    /// for `pauseSeconds`: a dead store costs each message nothing instead of the full timeout.
    public static let breakerThreshold = 5
    public static let pauseSeconds = 30.0

    public init(service: HistoryService, logger: Logger, maxPending: Int = 10_000) {
        self.service = service
        self.logger = logger
        self.maxPending = maxPending
    }

    /// Opens the configured store from a non-async thread, waiting at most `timeout`.
    public static func open(_ settings: HistorySettings, logger: Logger, timeout: Duration = .seconds(15)) throws -> BlockingHistory {
        guard let r = runBlocking(timeout: timeout, { try await HistoryService.open(settings, logger: logger) }) else {
            throw HistoryError("history store did not open within \(timeout)")
        }
        return BlockingHistory(service: try r.get(), logger: logger)
    }

    /// nil: warming up (history not consulted); `.unavailable` when the store failed or was slow.
    public func facts(for query: HistoryQuery) -> HistoryFacts? {
        if state.withLock({ s -> Bool in
            guard s.skipUntil > Date() else { return false }
            s.skipped += 1
            return true
        }) { return .unavailable }
        // SQLite answers on this thread: no hop through the Swift concurrency pool, which under
        // hundreds of concurrent SMTP sessions is what made lookups miss their deadline.
        let started = DispatchTime.now()
        do {
            if let f = try service.factsNow(for: query) {
                let ms = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
                if ms > Double(service.settings.lookupTimeoutMilliseconds) {
                    fail("slow lookup: answered in \(Int(ms)) ms, over lookup_timeout_ms (\(service.settings.lookupTimeoutMilliseconds)); used anyway")
                } else {
                    state.withLock { $0.failingInRow = 0 }
                }
                return f
            }
        } catch {
            fail("lookup: \(error)")
            return .unavailable
        }
        let service = self.service
        switch runBlocking(timeout: .milliseconds(service.settings.lookupTimeoutMilliseconds), { try await service.facts(for: query) }) {
        case nil:
            fail("lookup: no answer within \(service.settings.lookupTimeoutMilliseconds) ms")
            return .unavailable
        case .failure(let e)?:
            fail("lookup: \(e)")
            return .unavailable
        case .success(let f)?:
            state.withLock { $0.failingInRow = 0 }
            return f
        }
    }

    /// Queues `lesson`; returns at once. One writer drains the queue, up to `batchSize` lessons
    /// per transaction, so a busy milter writes a few transactions a second, not one per message.
    public func learn(_ lesson: HistoryLesson) {
        let (accepted, startWriter) = state.withLock { s -> (Bool, Bool) in
            guard s.pending < maxPending else { s.dropped += 1; return (false, false) }
            s.pending += 1
            s.queue.append(lesson)
            let start = !s.writing
            s.writing = true
            return (true, start)
        }
        guard accepted else {
            if state.current.dropped % 1_000 == 1 { logger.warning("history: learning backlog full (\(maxPending)); \(state.current.dropped) lessons dropped") }
            return
        }
        if startWriter { Task.detached { [self] in await drain() } }
    }

    static let batchSize = 200

    private func drain() async {
        while true {
            let (batch, prune) = state.withLock { s -> ([HistoryLesson], Bool) in
                let b = Array(s.queue.prefix(Self.batchSize))
                s.queue.removeFirst(b.count)
                if b.isEmpty { s.writing = false }
                let due = !b.isEmpty && Date().timeIntervalSince(s.lastPrune) > 3_600
                if due { s.lastPrune = Date() }
                return (b, due)
            }
            if batch.isEmpty { return }
            do {
                try await service.learn(batch)
                state.withLock { $0.learned += batch.count }
            } catch { fail("learn: \(error) (\(batch.count) lessons lost)") }
            state.withLock { $0.pending -= batch.count }
            if prune {
                do { let n = try await service.prune(); if n > 0 { logger.info("history: pruned \(n) expired rows") } } catch { fail("prune: \(error)") }
            }
        }
    }

    /// Lessons waiting to be written.
    public var pending: Int { state.current.pending }
    public var learned: Int { state.current.learned }
    /// Lessons dropped because the backlog was full.
    public var dropped: Int { state.current.dropped }
    /// Lookups answered "unavailable" without asking, while the breaker was open.
    public var lookupsSkipped: Int { state.current.skipped }

    /// Waits until no lesson is pending or `seconds` passed (tests, shutdown).
    public func flush(seconds: Double = 5) {
        let end = Date().addingTimeInterval(seconds)
        while pending > 0 && Date() < end { usleep(2_000) }
    }

    private func fail(_ what: String) {
        let n = state.withLock { s -> Int in
            s.failures += 1
            if what.hasPrefix("lookup") {
                s.failingInRow += 1
                if s.failingInRow >= Self.breakerThreshold { s.skipUntil = Date().addingTimeInterval(Self.pauseSeconds); s.failingInRow = 0 }
            }
            return s.failures
        }
        // One line per failure at first, then one per hundred: a dead store must not flood the log.
        if n <= 10 || n % 100 == 0 { logger.error("history store \(HistoryService.describe(service.settings)): \(what) (\(n) failures so far)") }
    }
}
