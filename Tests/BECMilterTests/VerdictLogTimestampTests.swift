@testable import BECMilter
import Foundation
import XCTest

/// The verdict log's hand-written timestamp matches ISO8601DateFormatter's output.
final class VerdictLogTimestampTests: XCTestCase {
    func testMatchesISO8601DateFormatter() {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for t in [0.0, 1.5, 59.999, 951_782_400.25, 1_795_939_926.123, 1_795_939_926.9994, 4_102_444_799.5] {
            let d = Date(timeIntervalSince1970: t)
            XCTAssertEqual(VerdictLogLine.timestamp(d), iso.string(from: d), "\(t)")
        }
        XCTAssertEqual(VerdictLogLine.timestamp(Date(timeIntervalSince1970: 1_795_939_926.123)), "2026-11-29T08:12:06.123Z")
    }
}
