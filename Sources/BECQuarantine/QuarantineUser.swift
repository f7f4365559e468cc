import Foundation
import HummingbirdBcrypt

/// What a web user may do. Analysts view, release, delete and mark; admins also manage users.
public enum UserRole: String, Sendable, Codable, CaseIterable, Comparable {
    case analyst
    case admin

    public static func < (a: Self, b: Self) -> Bool { a == .analyst && b == .admin }
}

/// A web login. Only a bcrypt hash of the password is ever stored.
public struct QuarantineUser: Sendable, Equatable, Codable {
    public var name: String
    public var role: UserRole
    /// bcrypt hash (`$2b$...`).
    public var passwordHash: String
    public var createdAt: Date

    public init(name: String, role: UserRole, passwordHash: String, createdAt: Date = Date()) {
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }

    /// A user with a freshly hashed password.
    public static func hashing(name: String, role: UserRole, password: String, cost: UInt8 = PasswordHasher.defaultCost,
                               createdAt: Date = Date()) -> QuarantineUser {
        QuarantineUser(name: name, role: role, passwordHash: PasswordHasher.hash(password, cost: cost), createdAt: createdAt)
    }

    /// Login names: 1 to 64 of letters, digits, `.`, `_`, `-`, `@` (they appear in audit trails and URLs).
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0)))
        }
    }
}

/// bcrypt hashing and verification.
public enum PasswordHasher {
    /// bcrypt cost 12: about a quarter second per login on the reference machine.
    public static let defaultCost: UInt8 = 12
    /// The shortest password `users add` accepts.
    public static let minimumLength = 10

    public static func hash(_ password: String, cost: UInt8 = defaultCost) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    /// Constant-time check of `password` against a bcrypt hash; false for anything that is not a bcrypt hash.
    public static func verify(_ password: String, hash: String) -> Bool {
        // Why: CBcrypt asserts on malformed input; only hand it strings that look like a bcrypt hash.
        guard looksLikeBcrypt(hash) else { return false }
        return Bcrypt.verify(password, hash: hash)
    }

    /// `$2a$`, `$2b$` or `$2y$`, a two-digit cost and 53 characters of salt and digest.
    public static func looksLikeBcrypt(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 60, u[0] == UInt8(ascii: "$"), u[1] == UInt8(ascii: "2"), u[3] == UInt8(ascii: "$"), u[6] == UInt8(ascii: "$") else { return false }
        return [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(u[2])
    }

    /// A hash to verify against when the user does not exist, so unknown names cost the same time as wrong passwords.
    public static let decoy = Bcrypt.hash(UUID().uuidString, cost: defaultCost)
}
