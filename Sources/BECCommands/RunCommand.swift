import ArgumentParser

/// `bec-milter run`: the long-running milter (BECMilter). Placeholder until the bridge lands.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the milter.")
    @Option(name: .long, help: "Main config file (default: the embedded defaults).") var config: String?
    @Option(name: .long, help: "Socket, overriding the config: unix:/path or inet:port@host.") var socket: String?

    func run() async throws {
        printError("bec-milter run: not built yet")
        throw ExitCode(1)
    }
}
