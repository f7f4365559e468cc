import BECCore
import BECHistory
import BECMilter
import BECRules
import Dispatch
import Foundation
import Logging

/// Connects the milter's history hook to the configured store. If the store cannot be opened at
/// start-up, every lookup reports it unavailable (history detectors skipped, the verdict says so)
/// and the sink retries opening it at most once a minute; mail keeps flowing.
final class HistorySink: HistorySource, @unchecked Sendable {
    private let settings: HistorySettings
    private let logger: Logger
    private let lock = NSLock()
    private var history: BlockingHistory?
    private var lastAttempt = Date.distantPast

    init(settings: HistorySettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        _ = current(initial: true)
    }

    /// The open store, or nil. A failed open is retried in the background at most once a minute,
    /// never on the caller's thread: a message never waits for a reconnect.
    private func current(initial: Bool = false) -> BlockingHistory? {
        let attempt: Bool = lock.withLock {
            if history != nil || Date().timeIntervalSince(lastAttempt) <= 60 { return false }
            lastAttempt = Date()
            return true
        }
        if attempt {
            if initial { open() } else { DispatchQueue.global().async { self.open() } }
        }
        return lock.withLock { history }
    }

    private func open() {
        do {
            let h = try BlockingHistory.open(settings, logger: logger, timeout: .seconds(5))
            logger.notice("history store \(HistoryService.describe(settings)) open\(settings.hashKeys ? " (hashed keys)" : "")")
            lock.withLock { history = h }
        } catch {
            logger.error("history store \(HistoryService.describe(settings)) unavailable: \(error); history detectors skipped until it answers (retried every minute)")
        }
    }

    func facts(for query: HistoryQuery) -> HistoryFacts? {
        guard let h = current() else { return .unavailable }
        return h.facts(for: query)
    }

    func learn(_ lesson: HistoryLesson) {
        current()?.learn(lesson)
    }

    /// Lessons still being written (tests and shutdown).
    func flush() { lock.withLock { history }?.flush() }
}
