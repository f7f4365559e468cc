import BECCore
import BECHistory
import BECMilter
import BECRules
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
        _ = current()
    }

    private func current() -> BlockingHistory? {
        lock.lock()
        defer { lock.unlock() }
        if let history { return history }
        guard Date().timeIntervalSince(lastAttempt) > 60 else { return nil }
        lastAttempt = Date()
        do {
            let h = try BlockingHistory.open(settings, logger: logger, timeout: .seconds(5))
            logger.notice("history store \(HistoryService.describe(settings)) open\(settings.hashKeys ? " (hashed keys)" : "")")
            history = h
            return h
        } catch {
            logger.error("history store \(HistoryService.describe(settings)) unavailable: \(error); history detectors skipped until it answers")
            return nil
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
