import BECCore

/// One change the milter asks the MTA to make at end of message; the libmilter bridge turns each
/// into one smfi_* call, the test context records them.
public enum MilterEdit: Sendable, Equatable, CustomStringConvertible {
    /// smfi_chgheader with a NULL value: delete the `index`-th (1-based) field called `name`.
    case deleteHeader(name: String, index: Int)
    case addHeader(name: String, value: String)
    /// smfi_chgheader: replace the `index`-th field called `name`.
    case changeHeader(name: String, index: Int, value: String)
    /// smfi_replacebody: the whole new body.
    case replaceBody([UInt8])
    /// smfi_quarantine: Postfix puts the message on hold with this reason.
    case quarantine(reason: String)
    /// smfi_setreply: the SMTP reply for a reject or tempfail.
    case setReply(code: String, extended: String, text: String)

    public var description: String {
        switch self {
        case let .deleteHeader(n, i): return "delete \(n)[\(i)]"
        case let .addHeader(n, v): return "add \(n): \(v)"
        case let .changeHeader(n, i, v): return "change \(n)[\(i)]: \(v)"
        case let .replaceBody(b): return "replace body (\(b.count) bytes)"
        case let .quarantine(r): return "quarantine: \(r)"
        case let .setReply(c, x, t): return "reply \(c) \(x) \(t)"
        }
    }
}

/// What the milter answers at end of message.
public enum Disposition: String, Sendable, Equatable {
    /// Deliver (with the edits).
    case accept
    /// Refuse permanently (5xx).
    case reject
    /// Refuse temporarily (4xx): the client keeps the message and retries.
    case tempfail
}

/// Why a message could not get a normal verdict; each maps to a configured `FailureAction`.
public enum FailureKind: String, Sendable, Equatable, CaseIterable {
    /// A bug, a failed libmilter call, or a missing session (`milter.on_internal_error`).
    case internalError = "internal_error"
    /// The message exceeded `limits.max_message_bytes` (`milter.on_over_limit`).
    case overLimit = "over_limit"
    /// Scanning took longer than `milter.timeout_seconds` (`milter.on_timeout`).
    case timeout
    /// The quarantine store could not record a message to be held (`quarantine.on_store_error`).
    case storeError = "store_error"
}

/// The result of scanning one message.
public enum ScanOutcome: Sendable {
    /// `lesson`: what sender history learns if the message is delivered.
    case scanned(Verdict, from: String?, lesson: HistoryLesson? = nil)
    case failed(FailureKind, detail: String)
}
