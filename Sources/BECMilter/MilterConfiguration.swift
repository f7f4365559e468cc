import BECCore
import BECRules

/// One immutable generation of configuration: the pipeline built from the rules and the milter
/// settings. A message uses the generation that was current when its MAIL FROM arrived, so a
/// SIGHUP reload never mixes two rule sets in one decision.
public struct MilterConfiguration: Sendable {
    public var pipeline: Pipeline
    public var settings: MilterSettings
    /// Files the configuration was read from (logged on reload).
    public var files: [String]
    /// Counts reloads; 1 for the configuration loaded at start.
    public var generation: Int

    public init(pipeline: Pipeline, settings: MilterSettings, files: [String] = [], generation: Int = 1) {
        self.pipeline = pipeline
        self.settings = settings
        self.files = files
        self.generation = generation
    }

    /// Bytes of one message the milter collects before it stops and marks the message truncated.
    public var maxMessageBytes: Int { pipeline.policy.limits.maxMessageBytes }
}
