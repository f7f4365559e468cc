import BECCore
import BECRules
import Foundation
import Logging

extension MilterCallbacks {
    /// Performs the edits in order. A refused edit is logged and counted; a refused quarantine
    /// turns the decision into the internal-error policy, so a message meant for the hold queue
    /// is never delivered just because the hold failed.
    static func apply<C: MilterContext>(_ d: Decision, message m: CollectedMessage, to ctx: C,
                                        _ engine: MilterEngine, _ log: Logger) -> Decision {
        for edit in d.edits where !ctx.perform(edit) {
            engine.count { $0.editFailures += 1 }
            log.error("libmilter refused the edit: \(editKind(edit))")
            guard case .quarantine = edit else { continue }
            var f = Decider.failure(m, kind: .internalError, detail: "smfi_quarantine failed", settings: m.configuration.settings)
            f.verdict = d.verdict
            for e in f.edits { if case .setReply = e { _ = ctx.perform(e) } }
            return f
        }
        return d
    }

    /// Counts, logs (with the queue id) and emits the JSON verdict line; hands held messages to
    /// the quarantine hook.
    static func report(_ d: Decision, message m: CollectedMessage, from: String?, scanTime: Duration,
                       _ engine: MilterEngine, _ log: Logger) {
        let settings = m.configuration.settings
        engine.count {
            $0.applied[d.applied.rawValue, default: 0] += 1
            if let f = d.failure { $0.failures[f.rawValue, default: 0] += 1 }
        }
        let ms = scanTime.milliseconds
        var meta: Logger.Metadata = [
            "milter.action": "\(d.applied.rawValue)",
            "milter.client_addr": "\(m.envelope.clientAddress ?? "unknown")",
            "milter.size": "\(m.receivedBytes)",
            "bec.scan_ms": "\(VerdictFormatter.format(ms))",
        ]
        if let v = d.verdict {
            meta["bec.verdict"] = "\(v.action.rawValue)"
            meta["bec.score"] = "\(VerdictFormatter.format(v.score))"
            meta["bec.findings"] = "\(VerdictFormatter.findingsHeader(v, limit: 400))"
        }
        if let f = d.failure {
            let total = engine.stats.failures[f.rawValue] ?? 0
            meta["milter.failure"] = "\(f.rawValue)"
            log.warning("\(f.rawValue): \(d.failureDetail ?? ""); applying \(d.applied.rawValue) (milter.on_\(f.rawValue)); \(total) so far", metadata: meta)
        } else {
            log.info("\(d.applied.rawValue)", metadata: meta)
        }
        if settings.verdictLog {
            engine.verdictSink.write(VerdictLogLine(decision: d, message: m, from: from, scanMilliseconds: ms, now: Date()).json())
        }
    }

    /// Records a message to be held in the quarantine store before the milter answers. A store
    /// failure turns the decision into the `store_error` failure policy.
    static func storeQuarantined(_ d: Decision, message m: CollectedMessage, _ engine: MilterEngine, _ log: Logger) -> Decision {
        guard d.applied == .quarantine, d.disposition == .accept, let v = d.verdict else { return d }
        let reason = d.edits.lazy.compactMap { e -> String? in if case let .quarantine(r) = e { return r } else { return nil } }.first ?? ""
        let record = QuarantineRecord(queueID: m.envelope.queueID, receivedAt: Date(), envelope: m.envelope, verdict: v,
                                      reason: reason, message: m.bytes, truncated: m.truncated)
        do {
            try engine.quarantineSink.store(record)
            return d
        } catch {
            engine.count { $0.quarantineStoreErrors += 1 }
            var f = Decider.failure(m, kind: .storeError, detail: "quarantine store failed: \(error)", settings: m.configuration.settings)
            f.verdict = v
            return f
        }
    }

    /// An edit's name for logs, without the values (a Subject value is the sender's text).
    static func editKind(_ e: MilterEdit) -> String {
        switch e {
        case let .deleteHeader(n, i): return "delete header \(n)[\(i)]"
        case let .addHeader(n, _): return "add header \(n)"
        case let .changeHeader(n, i, _): return "change header \(n)[\(i)]"
        case .replaceBody: return "replace body"
        case .quarantine: return "quarantine"
        case let .setReply(c, x, _): return "set reply \(c) \(x)"
        }
    }
}
