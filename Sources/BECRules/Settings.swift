import BECCore

/// What the milter does on an internal error, an over-limit message, a timeout or a store outage.
public enum FailureAction: String, Sendable, CaseIterable, Codable {
    case accept, tempfail, reject
}

/// The milter action a verdict maps to (a site may soften reject to quarantine, for example).
public enum MilterAction: String, Sendable, CaseIterable, Codable {
    case accept, tag, quarantine, reject, tempfail
}

/// Everything the milter adapter needs besides the policy.
public struct MilterSettings: Sendable {
    /// `unix:/path` or `inet:port@host`.
    public var socket = "unix:/run/bec-milter/bec-milter.sock"
    public var socketMode = "0660"
    public var onInternalError = FailureAction.tempfail
    public var onOverLimit = FailureAction.tempfail
    public var onTimeout = FailureAction.tempfail
    /// Scan deadline in seconds; past it `onTimeout` applies. (libmilter's own wait on the MTA is
    /// max(timeoutSeconds, 600) s, so slow but healthy SMTP clients are not dropped.)
    public var timeoutSeconds = 30
    /// What to answer when the quarantine store cannot record a message to be held
    /// (from `quarantine.on_store_error`; never a silent accept unless chosen).
    public var onStoreError = FailureAction.tempfail
    /// Per verdict action, what the milter does.
    public var actions: [Action: MilterAction] = [.accept: .accept, .tag: .tag, .quarantine: .quarantine, .reject: .reject]
    /// SMTP reply for reject; never contains message content.
    public var rejectText = "Message rejected as suspected business email compromise"
    public var tempfailText = "Temporary failure, please try again later"
    public var subjectPrefix: String? = nil
    /// Insert a warning banner into text parts (breaks DKIM signatures).
    public var banner = false
    public var bannerText = "CAUTION: this message shows signs of impersonation. Verify any payment or data request by phone, using a number you already know."
    public var stateDirectory = "/var/lib/bec-milter"
    public var logLevel = "info"
    /// Emit one JSON line per verdict to stderr (for SIEM ingestion).
    public var verdictLog = true

    public init() {}
}

/// A test message carried in a rule file, with the action it must get.
public struct RuleTest: Sendable {
    public var name: String
    public var file: String
    public var line: Int
    /// Raw message bytes.
    public var message: [UInt8]
    public var expect: Action
    public var envelope: Envelope
}

/// A loaded, validated configuration.
public struct LoadedConfig: Sendable {
    public var policy: Policy
    public var milter: MilterSettings
    public var tests: [RuleTest]
    /// Files read, in order (main config, rule files, lexicons).
    public var files: [String]
    /// Non-fatal remarks (symbols without weight, ...), shown by `rules lint`.
    public var warnings: [String]
    public var modelsDirectory: String?
    public var quarantine = QuarantineSettings()
    public var history = HistorySettings()
}
