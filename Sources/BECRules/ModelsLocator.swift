import Foundation

/// Finds the shipped models/ directory (lexicons, default rules, freemail list, PSL).
public enum ModelsLocator {
    /// Candidates, first existing wins: the configured path, $BEC_MILTER_MODELS,
    /// <exe>/../share/bec-milter/models, /usr/share/bec-milter/models, the source tree's models/.
    public static func find(configured: String? = nil) -> String? {
        var candidates: [String] = []
        if let c = configured { candidates.append(c) }
        if let e = ProcessInfo.processInfo.environment["BEC_MILTER_MODELS"] { candidates.append(e) }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        candidates.append(exe.appendingPathComponent("../share/bec-milter/models").standardized.path)
        candidates.append("/usr/share/bec-milter/models")
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../models").standardized.path
        candidates.append(source)
        for c in candidates where FileManager.default.fileExists(atPath: c + "/rules/default.yaml") { return c }
        return nil
    }
}
