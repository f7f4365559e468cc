@testable import BECCore
import BECICU
import Foundation
import XCTest

/// Shared helpers for the message-model tests: one ICU instance, parsing shortcuts,
/// fixture loading, a comparable summary of a parsed message and a hang guard.
enum TestSupport {
    /// One ICU instance shared by every test (it is documented as thread-safe).
    static let services: any UnicodeServices = {
        do { return try ICUServices() } catch { fatalError("ICU unavailable: \(error)") }
    }()

    /// Parses `text` with LF line ends turned into CRLF (as Postfix hands messages over).
    static func parse(_ text: String, limits: Limits = Limits(), envelope: Envelope = Envelope()) -> Message {
        parse(crlf(Array(text.utf8)), limits: limits, envelope: envelope)
    }

    static func parse(_ bytes: [UInt8], limits: Limits = Limits(), envelope: Envelope = Envelope()) -> Message {
        MessageParser(limits: limits, services: services).parse(bytes, envelope: envelope)
    }

    /// Every bare LF becomes CRLF; existing CRLF pairs are kept.
    static func crlf(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 16)
        var prev: UInt8 = 0
        for b in bytes {
            if b == 0x0A && prev != 0x0D { out.append(0x0D) }
            out.append(b)
            prev = b
        }
        return out
    }

    /// The names of every fixture file (without extension), sorted.
    static func fixtureNames() throws -> [String] {
        let dir = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".eml") }
            .map { String($0.dropLast(4)) }
            .sorted()
    }

    /// The raw bytes of `Fixtures/<name>.eml`, exactly as stored (LF line ends).
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "eml", subdirectory: "Fixtures"),
                                "missing fixture \(name).eml")
        return Array(try Data(contentsOf: url))
    }

    /// Parses a fixture (LF as stored, or converted to CRLF).
    static func parseFixture(_ name: String, crlf useCRLF: Bool = false, limits: Limits = Limits()) throws -> Message {
        let raw = try fixture(name)
        return parse(useCRLF ? crlf(raw) : raw, limits: limits)
    }

    /// The set of defect codes of a message.
    static func codes(_ m: Message) -> Set<Defect.Code> { Set(m.defects.map(\.code)) }

    /// Multiplies every time budget: `BEC_TEST_TIME_SCALE` (Tests/sanitizers.sh sets 5, as ASan and
    /// TSan builds run several times slower). The budget still catches a hang or a quadratic blow-up.
    static let timeScale = Double(ProcessInfo.processInfo.environment["BEC_TEST_TIME_SCALE"] ?? "").map { max($0, 1) } ?? 1

    /// Runs `body` and fails when it takes longer than `seconds`: a hang guard, not a benchmark.
    static func withinTime<T>(_ seconds: Double = 10, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> T) rethrows -> T {
        let start = Date()
        let result = try body()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, seconds * timeScale, "took \(elapsed) s", file: file, line: line)
        return result
    }
}

/// What a detector sees of a message, in a comparable form: used to check that two ways of
/// getting the same bytes to the parser (chunks, LF vs CRLF) give the same result.
struct MessageSummary: Equatable, CustomStringConvertible {
    var from: [MailAddress]
    var to: [MailAddress]
    var subject: String
    var text: String
    var hiddenText: String
    var attachments: [Attachment]
    var defects: [Defect]
    var headerNames: [String]
    var decodedHeaders: [String]
    var tree: [String]

    init(_ m: Message) {
        from = m.from
        to = m.to
        subject = m.subject
        text = m.text
        hiddenText = m.hiddenText
        attachments = m.attachments
        defects = m.defects
        headerNames = m.headers.fields.map(\.name)
        decodedHeaders = m.headers.fields.map(\.decoded)
        var shape: [String] = []
        m.root.forEach { shape.append("\($0.path):\($0.contentType.mimeType):\($0.filename ?? "")") }
        tree = shape
    }

    var description: String {
        "from=\(from) subject=\(subject) text=\(text.prefix(80)) attachments=\(attachments) defects=\(defects) tree=\(tree)"
    }
}
