import BECCore
import BECICU
import BECMilter
import BECRules
import Foundation

/// Entry points for the libFuzzer targets in Tests/Fuzz (a separate package), built once and shared.
public enum FuzzSupport {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path

    static let loaded: LoadedConfig = {
        let path = ProcessInfo.processInfo.environment["BEC_FUZZ_CONFIG"] ?? root + "/deploy/examples/calloway-freight/bec-milter.yaml"
        do { return try ConfigLoader().load(path: path) } catch { fatalError("fuzz set-up: \(error)") }
    }()

    static let pipeline: Pipeline = {
        do { return Pipeline(policy: loaded.policy, services: try ICUServices()) } catch { fatalError("fuzz set-up: \(error)") }
    }()

    /// The milter configuration for the callback target: small limits, so scripts reach them.
    static let milterConfiguration: MilterConfiguration = {
        var policy = loaded.policy
        policy.limits.maxMessageBytes = 4096
        policy.limits.maxHeaderCount = 20
        var settings = loaded.milter
        settings.timeoutSeconds = 0
        settings.logLevel = "critical"
        return MilterConfiguration(pipeline: Pipeline(policy: policy, services: pipeline.services), settings: settings)
    }()

    /// Parse, detect and score arbitrary bytes; also through the accumulator in two chunks.
    public static func message(_ data: UnsafeBufferPointer<UInt8>) {
        let bytes = Array(data)
        let (m, v) = pipeline.evaluate(bytes, envelope: Envelope(mailFrom: "a@example.com", recipients: ["ap@callowayfreight.com"]))
        precondition(v.score.isFinite, "score must be finite")
        precondition(m.text.utf8.count <= pipeline.policy.limits.maxTextBytes, "text over its limit")
        _ = VerdictFormatter.findingsHeader(v)
        var acc = MessageAccumulator(maxBytes: pipeline.policy.limits.maxMessageBytes)
        let half = bytes.count / 2
        acc.appendRaw(bytes[..<half])
        acc.appendRaw(bytes[half...])
        precondition(acc.bytes == bytes, "accumulator changed the bytes")
    }

    /// The config / rule-file loader on arbitrary text: errors are fine, crashes are not.
    public static func rules(_ data: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: data, as: UTF8.self)
        _ = try? ConfigLoader().load(text: text, file: "fuzz.yaml", baseDir: "/nonexistent")
    }

    /// A script of milter callbacks in any order (see `FuzzCallbacks`).
    public static func callbacks(_ data: UnsafeBufferPointer<UInt8>) {
        FuzzCallbacks.run(data, configuration: milterConfiguration)
    }
}
