import BECCore
import BECRules
import Dispatch
import Foundation
import Logging

/// Everything the connections share: the current configuration generation (swapped atomically on
/// reload), the scanner, counters, logging and the quarantine hook. Thread-safe; one per process.
public final class MilterEngine: Sendable {
    /// Scans one collected message; the default parses and evaluates with the message's pipeline.
    public typealias Scanner = @Sendable (CollectedMessage) throws -> (Verdict, from: String?)
    /// A scan that also says what the message would teach sender history once delivered.
    public typealias LearningScanner = @Sendable (CollectedMessage) throws -> (Verdict, from: String?, lesson: HistoryLesson?)
    /// Builds a fresh configuration from the files (SIGHUP); throws `ConfigErrors` when broken.
    public typealias Loader = @Sendable () throws -> MilterConfiguration

    private let active: Locked<MilterConfiguration>
    private let counters = Locked(MilterStats())
    private let inFlight = Locked(0)
    private let draining = Locked(false)
    public let logger: Logger
    let verdictSink: any VerdictSink
    let quarantineSink: any QuarantineSink
    let scanner: LearningScanner
    /// Sender history, when configured.
    public let history: (any HistorySource)?
    let loader: Loader?
    /// Overrides `milter.timeout_seconds` as the scan deadline (tests).
    let scanDeadline: Double?

    public init(configuration: MilterConfiguration, logger: Logger, loader: Loader? = nil,
                verdictSink: any VerdictSink = StandardErrorVerdictSink(),
                quarantineSink: any QuarantineSink = HoldQueueOnly(),
                scanner: Scanner? = nil, scanDeadline: Double? = nil, history: (any HistorySource)? = nil) {
        active = Locked(configuration)
        self.logger = logger
        self.loader = loader
        self.verdictSink = verdictSink
        self.quarantineSink = quarantineSink
        self.history = history
        if let scanner {
            self.scanner = { m in let (v, f) = try scanner(m); return (v, f, nil) }
        } else {
            self.scanner = MilterEngine.learningScanner(history: history)
        }
        self.scanDeadline = scanDeadline
    }

    /// Parse, look up sender history (when configured), evaluate, and work out what the message
    /// would teach. The lookup runs inside the scan deadline.
    /// Parse and evaluate, no history.
    public static let pipelineScanner: Scanner = { m in
        let (v, from, _) = try learningScanner(history: nil)(m)
        return (v, from)
    }

    public static func learningScanner(history: (any HistorySource)?) -> LearningScanner {
        { m in
            let pipeline = m.configuration.pipeline
            let message = pipeline.parse(m.bytes, envelope: m.envelope)
            guard let history else { return (pipeline.evaluate(message), message.fromAddress?.address, nil) }
            let facts = pipeline.historyQuery(message).flatMap { history.facts(for: $0) }
            let verdict = pipeline.evaluate(message, history: facts)
            // A truncated message is not learned from: what we did not see cannot teach.
            let lesson = m.truncated ? nil : pipeline.historyLesson(message, verdict: verdict)
            return (verdict, message.fromAddress?.address, lesson)
        }
    }

    /// The generation new messages use.
    public var configuration: MilterConfiguration { active.current }
    public var stats: MilterStats { counters.current }
    /// Messages between MAIL FROM and end of message or abort, over all connections.
    public var messagesInFlight: Int { inFlight.current }

    /// Re-reads the configuration and rules. A broken file is refused with every error logged
    /// (file:line:column) and the running generation stays in force. Returns whether it loaded.
    @discardableResult
    public func reload() -> Bool {
        guard let loader else { return false }
        let old = active.current
        do {
            var next = try loader()
            next.generation = old.generation + 1
            if next.settings.socket != old.settings.socket {
                logger.warning("reload: milter.socket changed to \(next.settings.socket); restart to listen there")
            }
            active.withLock { $0 = next }
            count { $0.reloads += 1 }
            logger.notice("reload: configuration generation \(next.generation) in force (\(next.files.count) files)")
            return true
        } catch {
            count { $0.reloadFailures += 1 }
            let lines = (error as? ConfigErrors)?.errors.map(\.description) ?? ["\(error)"]
            for line in lines { logger.error("reload refused: \(line)") }
            logger.error("reload refused: \(lines.count) error(s); generation \(old.generation) stays in force")
            return false
        }
    }

    /// Runs the scanner with the deadline `milter.timeout_seconds`. On timeout the scan is
    /// abandoned (it finishes in the background) and the failure policy decides.
    public func scan(_ m: CollectedMessage) -> ScanOutcome {
        let deadline = scanDeadline ?? Double(m.configuration.settings.timeoutSeconds)
        let scanner = self.scanner
        let run: @Sendable () -> ScanOutcome = {
            do {
                let (v, from, lesson) = try scanner(m)
                return .scanned(v, from: from, lesson: lesson)
            } catch {
                return .failed(.internalError, detail: "scanner: \(error)")
            }
        }
        guard deadline > 0 else { return run() }
        let result = Locked<ScanOutcome?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            let r = run()
            result.withLock { $0 = r }
            done.signal()
        }
        if done.wait(timeout: .now() + deadline) == .timedOut {
            return .failed(.timeout, detail: "scan exceeded \(VerdictFormatter.format(deadline)) s")
        }
        return result.current ?? .failed(.internalError, detail: "scan produced no result")
    }

    func count(_ body: (inout MilterStats) -> Void) { counters.withLock(body) }

    /// Set on SIGTERM: new connections are refused while messages in flight finish.
    public var isDraining: Bool { draining.current }
    public func beginDrain() { draining.withLock { $0 = true } }

    func messageStarted() { inFlight.withLock { $0 += 1 } }
    func messageEnded(aborted: Bool) {
        inFlight.withLock { $0 = max(0, $0 - 1) }
        count { $0.messages += 1; if aborted { $0.aborted += 1 } }
    }

    /// A logger whose every line carries the queue id (`milter.queue_id`) at the configured level.
    public func logger(queueID: String?, settings: MilterSettings) -> Logger {
        var l = logger
        l[metadataKey: "milter.queue_id"] = "\(queueID ?? "NOQUEUE")"
        l.logLevel = Logger.Level(rawValue: settings.logLevel) ?? .info
        return l
    }

    /// Waits until no message is in flight or `timeout` seconds passed; returns the count left.
    public func drain(timeout: Double, stop: @Sendable () -> Bool = { false }) async -> Int {
        let end = Date().addingTimeInterval(timeout)
        while messagesInFlight > 0, Date() < end, !stop() {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        return messagesInFlight
    }
}
