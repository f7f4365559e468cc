import BECCore
import BECICU
import BECRules
import Foundation

/// Shared fixtures: the worked example configuration and one ICU instance.
enum TestSupport {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let exampleConfigPath = repoRoot + "/deploy/examples/calloway-freight/bec-milter.yaml"

    static let services: ICUServices = {
        do { return try ICUServices() } catch { fatalError("ICU unavailable: \(error)") }
    }()

    static let exampleConfig: LoadedConfig = {
        do { return try ConfigLoader().load(path: exampleConfigPath) } catch { fatalError("example config: \(error)") }
    }()

    static let pipeline = Pipeline(policy: exampleConfig.policy, services: services)

    static func message(_ text: String, envelope: Envelope = Envelope()) -> Message {
        let crlf = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return pipeline.parse(Array(crlf.utf8), envelope: envelope)
    }

    /// Loads a config from YAML text written to a temporary file (so errors carry a path).
    static func load(_ yaml: String, name: String = "test.yaml", extraFiles: [String: String] = [:]) throws -> LoadedConfig {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bec-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (n, t) in extraFiles { try t.write(to: dir.appendingPathComponent(n), atomically: true, encoding: .utf8) }
        let path = dir.appendingPathComponent(name).path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try ConfigLoader().load(path: path)
    }
}
