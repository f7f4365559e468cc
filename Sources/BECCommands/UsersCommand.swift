import ArgumentParser
import BECQuarantine
import Foundation

/// `bec-milter users add|list|remove|hash`: web logins in the quarantine store.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Manage the web UI's logins (bcrypt-hashed, in the quarantine store).",
        subcommands: [Add.self, List.self, Remove.self, Hash.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a login; the password is read from --password-file or standard input (one line).")
        @OptionGroup var store: QuarantineCommand.StoreOptions
        @Option(help: "analyst (view, release, delete, mark) or admin (also users).") var role: String = "analyst"
        @Option(name: .customLong("password-file"), help: "File whose first line is the password (else standard input).") var passwordFile: String?
        @Flag(help: "Overwrite an existing user's role and password.") var replace = false
        @Argument(help: "Login name: letters, digits, '.', '_', '-', '@'.") var name: String

        func validate() throws {
            guard QuarantineUser.isValidName(name) else { throw ValidationError("'\(name)' is not a valid login name (1 to 64 of A-Z a-z 0-9 . _ - @)") }
            guard UserRole(rawValue: role) != nil else { throw ValidationError("role must be analyst or admin") }
        }

        func run() async throws {
            let password = try UsersCommand.readPassword(passwordFile)
            let user = QuarantineUser.hashing(name: name, role: UserRole(rawValue: role) ?? .analyst, password: password)
            try await QuarantineCLI.withStore(store.config) { s, _ in
                try await s.addUser(user, replace: replace)
                print("\(replace ? "set" : "added") \(name) (\(role))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the logins in the store.")
        @OptionGroup var store: QuarantineCommand.StoreOptions

        func run() async throws {
            try await QuarantineCLI.withStore(store.config) { s, _ in
                for u in try await s.users() { print("\(u.name)\t\(u.role.rawValue)\t\(QuarantineCLI.time(u.createdAt))") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a login.")
        @OptionGroup var store: QuarantineCommand.StoreOptions
        @Argument var name: String

        func run() async throws {
            try await QuarantineCLI.withStore(store.config) { s, _ in
                try await s.removeUser(named: name)
                print("removed \(name)")
            }
        }
    }

    struct Hash: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a bcrypt hash of a password (for quarantine.web.users in the config).")
        @Option(name: .customLong("password-file"), help: "File whose first line is the password (else standard input).") var passwordFile: String?

        func run() async throws {
            print(PasswordHasher.hash(try UsersCommand.readPassword(passwordFile)))
        }
    }

    /// The first line of the file or of standard input, without its line end; at least the minimum length.
    static func readPassword(_ file: String?) throws -> String {
        let data: Data
        if let file {
            guard let d = FileManager.default.contents(atPath: file) else { throw ValidationError("cannot read \(file)") }
            data = d
        } else {
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let password = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        guard password.count >= PasswordHasher.minimumLength else {
            throw ValidationError("the password must have at least \(PasswordHasher.minimumLength) characters")
        }
        // Why: bcrypt ignores everything after 72 bytes; refuse rather than silently truncate.
        guard password.utf8.count <= 72 else { throw ValidationError("the password must be at most 72 bytes (bcrypt's limit)") }
        return password
    }
}
