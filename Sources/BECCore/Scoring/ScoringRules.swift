/// Weights, groups, combinations and thresholds, as configured in rule files.
public struct ScoringRules: Sendable {
    /// Weight per symbol. A symbol with no weight scores 0 (and `rules lint` says so).
    public var weights: [String: Double]
    /// The group of each symbol.
    public var symbolGroups: [String: String]
    /// Cap on the total a group may contribute (positive side).
    public var groupCaps: [String: Double]
    public var combinations: [Combination]
    public var thresholds: Thresholds

    public init(weights: [String: Double] = [:], symbolGroups: [String: String] = [:], groupCaps: [String: Double] = [:],
                combinations: [Combination] = [], thresholds: Thresholds = Thresholds()) {
        self.weights = weights
        self.symbolGroups = symbolGroups
        self.groupCaps = groupCaps
        self.combinations = combinations
        self.thresholds = thresholds
    }
}

/// Adds `weight` when every term is present; a term is a symbol or `group:NAME` (any symbol of that group).
/// `none` terms must all be absent.
public struct Combination: Sendable {
    public var name: String
    public var all: [String]
    public var none: [String]
    public var weight: Double

    public init(name: String, all: [String], none: [String] = [], weight: Double) {
        self.name = name
        self.all = all
        self.none = none
        self.weight = weight
    }
}

/// Score thresholds: a score at or above a threshold takes that action. nil disables the action.
public struct Thresholds: Sendable, Codable, Equatable {
    public var tag: Double?
    public var quarantine: Double?
    public var reject: Double?

    public init(tag: Double? = 5, quarantine: Double? = 10, reject: Double? = 15) {
        self.tag = tag
        self.quarantine = quarantine
        self.reject = reject
    }
}

/// The four verdicts, weakest first.
public enum Action: String, Sendable, Codable, CaseIterable, Comparable {
    case accept, tag, quarantine, reject

    public static func < (a: Action, b: Action) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The decision for one message, with its full explanation.
public struct Verdict: Sendable, Codable {
    public var action: Action
    public var score: Double
    /// Every finding with the weight it contributed, strongest first.
    public var findings: [Finding]
    /// Per group: raw sum and the capped contribution.
    public var groups: [GroupScore]
    /// Combination rules that fired.
    public var combinations: [String]
    public var thresholds: Thresholds
    /// Points needed to reach the next stronger action (nil at reject or when none is enabled).
    public var marginToNext: Double?
    /// Points the score is above the threshold of the current action (nil for accept).
    public var marginAbove: Double?
    /// The recipient group whose thresholds applied, if any.
    public var recipientGroup: String?
    /// Why the scan was partial or skipped (e.g. "internal mail: skip", "allowlisted sender").
    public var notes: [String]
    public var defects: [Defect]

    public init(action: Action, score: Double, findings: [Finding], groups: [GroupScore] = [], combinations: [String] = [],
                thresholds: Thresholds = Thresholds(), marginToNext: Double? = nil, marginAbove: Double? = nil,
                recipientGroup: String? = nil, notes: [String] = [], defects: [Defect] = []) {
        self.action = action
        self.score = score
        self.findings = findings
        self.groups = groups
        self.combinations = combinations
        self.thresholds = thresholds
        self.marginToNext = marginToNext
        self.marginAbove = marginAbove
        self.recipientGroup = recipientGroup
        self.notes = notes
        self.defects = defects
    }
}

public struct GroupScore: Sendable, Codable {
    public var group: String
    public var raw: Double
    public var capped: Double
}
