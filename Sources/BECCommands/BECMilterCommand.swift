import ArgumentParser

/// The `bec-milter` command tree.
@available(macOS 10.15, *)
public struct BECMilterCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bec-milter",
        abstract: "A Postfix milter that stops business email compromise.",
        subcommands: [RunCommand.self, CheckCommand.self, ParseCommand.self, RulesCommand.self, EvalCommand.self,
                      QuarantineCommand.self, WebCommand.self, UsersCommand.self, BenchCommand.self, HistoryCommand.self])

    public init() {}
}

extension BECMilterCommand {
    /// Entry point for the executable: parses, then runs the (async) subcommand.
    public static func entry() async {
        do {
            var command = try parseAsRoot()
            if var c = command as? AsyncParsableCommand {
                try await c.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
