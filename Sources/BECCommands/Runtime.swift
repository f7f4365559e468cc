import BECCore
import BECICU
import BECRules
import Foundation

/// Shared start-up for commands: config, ICU services, pipeline.
public struct Runtime: Sendable {
    public let config: LoadedConfig
    public let services: ICUServices
    public let pipeline: Pipeline

    public init(configPath: String?) throws {
        config = try ConfigLoader().load(path: configPath)
        services = try ICUServices()
        pipeline = Pipeline(policy: config.policy, services: services)
    }

    /// Builds a pipeline for a new configuration with the same ICU services (SIGHUP reload).
    public func reloaded(configPath: String?) throws -> Runtime {
        try Runtime(config: ConfigLoader().load(path: configPath), services: services)
    }

    public init(config: LoadedConfig, services: ICUServices) {
        self.config = config
        self.services = services
        self.pipeline = Pipeline(policy: config.policy, services: services)
    }
}

import ArgumentParser

extension Runtime {
    /// Loads the runtime for a command; a bad configuration is printed and exits with status 2.
    static func forCommand(configPath: String?) throws -> Runtime {
        do { return try Runtime(configPath: configPath) } catch {
            printError("bec-milter: \(error)")
            throw ExitCode(2)
        }
    }
}

/// Writes to standard error.
func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}
