import BECCore

/// Where the milter asks sender history (issue: sender history) and tells it what delivered mail
/// taught. Both calls come from libmilter worker threads: `facts` must answer within its own
/// deadline (returning `.unavailable` rather than waiting), `learn` must return at once.
public protocol HistorySource: Sendable {
    /// nil: history not consulted for this message (warming up); `.unavailable`: the store failed.
    func facts(for query: HistoryQuery) -> HistoryFacts?
    func learn(_ lesson: HistoryLesson)
}
