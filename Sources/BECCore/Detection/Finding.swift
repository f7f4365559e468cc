/// One thing a detector noticed: a stable UPPER_SNAKE symbol, evidence a human can read, and a
/// strength in 0...1 by which the scorer multiplies the symbol's configured weight.
public struct Finding: Sendable, Codable, Hashable {
    public var symbol: String
    public var evidence: String
    public var strength: Double
    /// Filled by the scorer: the weight this finding contributed after group caps.
    public var weight: Double
    /// The detector that produced it.
    public var detector: String

    public init(_ symbol: String, _ evidence: String, strength: Double = 1, detector: String = "") {
        self.symbol = symbol
        self.evidence = evidence
        self.strength = strength
        self.weight = 0
        self.detector = detector
    }
}

/// Describes a symbol a detector may emit.
public struct SymbolInfo: Sendable {
    public var name: String
    public var summary: String
    /// The scoring group it belongs to by default (rule files may move it).
    public var group: String

    public init(_ name: String, group: String, _ summary: String) {
        self.name = name
        self.summary = summary
        self.group = group
    }
}

/// A tiny message a detector must (or must not) fire on, run as a test against the example organization.
public struct DetectorExample: Sendable {
    /// Header lines and body, as in an .eml file ("\n" line ends are fine).
    public var message: String
    /// Symbols that must be among the detector's findings; empty means "must produce no finding".
    public var fires: [String]
    /// Envelope used for the example.
    public var envelope: Envelope
    /// Sender-history facts for the example, if the detector reads them.
    public var history: HistoryFacts?

    public init(_ message: String, fires: [String] = [], envelope: Envelope = Envelope(), history: HistoryFacts? = nil) {
        self.message = message
        self.fires = fires
        self.envelope = envelope
        self.history = history
    }
}

/// A detector's self-description: id, summary, the symbols it emits, and examples.
public struct DetectorInfo: Sendable {
    public var id: String
    public var summary: String
    public var symbols: [SymbolInfo]
    public var triggering: [DetectorExample]
    public var nonTriggering: [DetectorExample]

    public init(id: String, summary: String, symbols: [SymbolInfo], triggering: [DetectorExample], nonTriggering: [DetectorExample]) {
        self.id = id
        self.summary = summary
        self.symbols = symbols
        self.triggering = triggering
        self.nonTriggering = nonTriggering
    }
}

/// A detector: built once per rule set (precomputing what it can), then run on every message.
/// Implementations must be immutable after init so one instance serves all milter threads.
public protocol Detector: Sendable {
    static var info: DetectorInfo { get }
    init(policy: Policy, services: any UnicodeServices)
    func detect(_ context: DetectionContext) -> [Finding]
}
