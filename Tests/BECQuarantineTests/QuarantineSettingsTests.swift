import BECRules
import Foundation
import XCTest

final class QuarantineSettingsTests: XCTestCase {
    func write(_ yaml: String) throws -> String {
        let path = Fixtures.tempPath("bec-milter.yaml")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testDefaults() throws {
        let s = try QuarantineSettings.load(configPath: nil)
        XCTAssertEqual(s.store, .sqlite)
        XCTAssertEqual(s.resolvedSQLitePath(stateDirectory: "/var/lib/bec-milter"), "/var/lib/bec-milter/quarantine.sqlite")
        XCTAssertEqual(s.listen, "127.0.0.1:8025")
        XCTAssertTrue(s.secureCookies)
        XCTAssertEqual(s.releaseMethod, .auto)
        XCTAssertEqual(s.onStoreError, .tempfail)
        XCTAssertEqual(s.retentionMaxAgeDays, 30)
    }

    func testFullSection() throws {
        let path = try write("""
            state_dir: state
            organization: {name: Other keys are the full loader's business}
            quarantine:
              store: postgres
              postgres_url: postgres://bec:secret@db.example/bec?sslmode=require
              store_timeout_seconds: 5
              on_store_error: reject
              retention: {max_age_days: off, max_total_mb: 512}
              release: {method: smtp, smtp_relay: "[::1]:10026", postsuper: [sudo, -n, /usr/sbin/postsuper]}
              web:
                listen: 0.0.0.0:9000
                secure_cookies: false
                users:
                  - {name: alice, role: admin, password_hash: "$2b$12$abcdefghijklmnopqrstuuN3Sn7o3ZGcS0ZQ0l2vW0b6mJq2nW4mW"}
            """)
        let s = try QuarantineSettings.load(configPath: path)
        XCTAssertEqual(s.store, .postgres)
        XCTAssertEqual(s.stateDirectory, URL(fileURLWithPath: path).deletingLastPathComponent().path + "/state")
        XCTAssertEqual(s.storeTimeoutSeconds, 5)
        XCTAssertEqual(s.onStoreError, .reject)
        XCTAssertNil(s.retentionMaxAgeDays)
        XCTAssertEqual(s.retentionMaxTotalMB, 512)
        XCTAssertEqual(s.releaseMethod, .smtp)
        XCTAssertEqual(s.smtpRelayHostPort?.host, "::1")
        XCTAssertEqual(s.smtpRelayHostPort?.port, 10026)
        XCTAssertEqual(s.postsuperCommand, ["sudo", "-n", "/usr/sbin/postsuper"])
        XCTAssertEqual(s.listenHostPort?.port, 9000)
        XCTAssertFalse(s.secureCookies)
        XCTAssertEqual(s.users.map(\.name), ["alice"])
    }

    func testErrorsCarryLineAndColumn() throws {
        let path = try write("""
            quarantine:
              stor: sqlite
              release: {method: smtp}
              web:
                listen: nowhere
                users:
                  - {name: bob, password_hash: hunter2}
            """)
        XCTAssertThrowsError(try QuarantineSettings.load(configPath: path)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("\(path):2:3: unknown key 'stor'"), text)
            XCTAssertTrue(text.contains("release method smtp needs smtp_relay"), text)
            XCTAssertTrue(text.contains("\(path):5:13: listen must be host:port"), text)
            XCTAssertTrue(text.contains("password_hash must be a bcrypt hash"), text)
        }
    }
}
