import BECCore
import BECRules

/// The decision for one message: what the milter does, the edits, and the answer to the MTA.
public struct Decision: Sendable {
    /// The milter action applied (after the site's `milter.actions` mapping or failure policy).
    public var applied: MilterAction
    public var disposition: Disposition
    public var edits: [MilterEdit]
    /// The core's verdict, nil when the message could not be scanned.
    public var verdict: Verdict?
    public var failure: FailureKind?
    public var failureDetail: String?
}

/// Turns a scan outcome into milter actions. Pure: no libmilter, no clock, no logging, so every
/// combination of verdict, settings and failure is a table-driven unit test.
public enum Decider {
    public static let verdictHeader = "X-BEC-Verdict"
    public static let scoreHeader = "X-BEC-Score"
    public static let findingsHeader = "X-BEC-Findings"

    public static func decide(_ message: CollectedMessage, outcome: ScanOutcome, settings: MilterSettings) -> Decision {
        switch outcome {
        case let .scanned(verdict, _, _):
            return decide(message, verdict: verdict, settings: settings)
        case let .failed(kind, detail):
            return failure(message, kind: kind, detail: detail, settings: settings)
        }
    }

    /// The configured failure policy for `kind`.
    public static func policy(for kind: FailureKind, _ s: MilterSettings) -> FailureAction {
        switch kind {
        case .internalError: return s.onInternalError
        case .overLimit: return s.onOverLimit
        case .timeout: return s.onTimeout
        case .storeError: return s.onStoreError
        }
    }

    static func decide(_ m: CollectedMessage, verdict v: Verdict, settings s: MilterSettings) -> Decision {
        let applied = s.actions[v.action] ?? defaultAction(v.action)
        var d = Decision(applied: applied, disposition: .accept, edits: [], verdict: v)
        switch applied {
        case .reject:
            // Why fixed text: the reply goes back to the sender; echoing their subject or
            // addresses would hand an attacker a probe of our rules.
            d.disposition = .reject
            d.edits = [.setReply(code: "550", extended: "5.7.1", text: SMTPReply.sanitized(s.rejectText))]
            return d
        case .tempfail:
            d.disposition = .tempfail
            d.edits = [.setReply(code: "451", extended: "4.7.1", text: SMTPReply.sanitized(s.tempfailText))]
            return d
        case .accept, .tag, .quarantine:
            break
        }
        var header = VerdictFormatter.verdictHeader(v)
        if applied.rawValue != v.action.rawValue { header += " applied=\(applied.rawValue)" }
        if m.truncated { header += " partial=over_limit" }
        // The history store did not answer: the verdict was reached without it, and says so.
        if v.findings.contains(where: { $0.symbol == "HISTORY_UNAVAILABLE" }) { header += " history=unavailable" }
        d.edits = removeInbound(m) + [
            .addHeader(name: verdictHeader, value: header),
            .addHeader(name: scoreHeader, value: VerdictFormatter.format(v.score)),
            .addHeader(name: findingsHeader, value: VerdictFormatter.findingsHeader(v)),
        ]
        if applied == .tag || applied == .quarantine {
            d.edits += subjectEdits(m, prefix: s.subjectPrefix)
            if s.banner, !m.truncated,
               let body = BannerInserter(text: s.bannerText).insert(body: Array(m.body), contentType: m.contentType,
                                                                   transferEncoding: m.transferEncoding) {
                d.edits.append(.replaceBody(body))
            }
        }
        if applied == .quarantine { d.edits.append(.quarantine(reason: quarantineReason(v))) }
        return d
    }

    static func failure(_ m: CollectedMessage, kind: FailureKind, detail: String, settings s: MilterSettings) -> Decision {
        var d = Decision(applied: .accept, disposition: .accept, edits: [], failure: kind, failureDetail: detail)
        switch policy(for: kind, s) {
        case .accept:
            d.edits = removeInbound(m) + [.addHeader(name: verdictHeader, value: "unscanned reason=\(kind.rawValue)")]
        case .tempfail:
            d.applied = .tempfail
            d.disposition = .tempfail
            d.edits = [.setReply(code: "451", extended: "4.7.1", text: SMTPReply.sanitized(s.tempfailText))]
        case .reject:
            d.applied = .reject
            d.disposition = .reject
            d.edits = kind == .overLimit
                ? [.setReply(code: "552", extended: "5.3.4", text: "Message too large to scan")]
                : [.setReply(code: "550", extended: "5.7.1", text: "Message could not be scanned")]
        }
        return d
    }

    /// Deletes, last first, every X-BEC-* field that arrived with the message; deleting from the
    /// highest index down keeps the lower indexes valid whichever way the MTA counts.
    static func removeInbound(_ m: CollectedMessage) -> [MilterEdit] {
        m.inboundVerdictHeaders.flatMap { h in stride(from: h.count, through: 1, by: -1).map { MilterEdit.deleteHeader(name: h.name, index: $0) } }
    }

    static func subjectEdits(_ m: CollectedMessage, prefix: String?) -> [MilterEdit] {
        guard let prefix, !prefix.isEmpty else { return [] }
        let p = EncodedWord.encodeIfNeeded(prefix)
        guard let subject = m.subject else { return [.addHeader(name: "Subject", value: p)] }
        if subject.trimmingWhitespace.hasPrefix(p) { return [] }
        return [.changeHeader(name: "Subject", index: 1, value: p + " " + subject.trimmingWhitespace)]
    }

    /// The hold reason Postfix logs: our action, score and symbols; nothing from the message.
    static func quarantineReason(_ v: Verdict) -> String {
        let symbols = v.findings.filter { $0.weight > 0 }.prefix(8).map(\.symbol).joined(separator: ",")
        return "bec-milter \(v.action.rawValue) score=\(VerdictFormatter.format(v.score))" + (symbols.isEmpty ? "" : " \(symbols)")
    }

    static func defaultAction(_ a: Action) -> MilterAction {
        switch a {
        case .accept: return .accept
        case .tag: return .tag
        case .quarantine: return .quarantine
        case .reject: return .reject
        }
    }
}
