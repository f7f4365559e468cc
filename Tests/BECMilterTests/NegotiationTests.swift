@testable import BECMilter
import XCTest

final class NegotiationTests: XCTestCase {
    let postfixActions: UInt = 0x1FF
    let postfixSteps: UInt = 0x1FFFFF

    func testRequestsOnlyWhatItUses() {
        let c = Negotiation.choose(offeredActions: postfixActions, offeredSteps: postfixSteps, banner: false)
        XCTAssertEqual(c.actions, Negotiation.addHeaders | Negotiation.changeHeaders | Negotiation.quarantine | Negotiation.setSymbolList)
        XCTAssertEqual(c.actions & Negotiation.changeBody, 0, "no body changes unless the banner is on")
        for skipped in [Negotiation.noHelo, Negotiation.noData, Negotiation.noEOH, Negotiation.noUnknown] {
            XCTAssertNotEqual(c.steps & skipped, 0)
        }
        XCTAssertEqual(c.steps & Negotiation.noReplySteps, Negotiation.noReplySteps)
        XCTAssertEqual(c.steps & Negotiation.noConnect, 0, "connect is needed")
        XCTAssertEqual(c.steps & Negotiation.headerLeadingSpace, 0)
        XCTAssertEqual(c.steps & Negotiation.rcptRejected, 0)
        let b = Negotiation.choose(offeredActions: postfixActions, offeredSteps: postfixSteps, banner: true)
        XCTAssertNotEqual(b.actions & Negotiation.changeBody, 0)
    }

    func testNeverAsksForWhatTheMTADoesNotOffer() {
        let c = Negotiation.choose(offeredActions: Negotiation.addHeaders, offeredSteps: 0, banner: true)
        XCTAssertEqual(c.actions, Negotiation.addHeaders)
        XCTAssertEqual(c.steps, Negotiation.noReplySteps, "no-reply bits are faked by libmilter when not offered")
    }

    func testSocketSpecs() {
        XCTAssertEqual(SocketSpec("unix:/run/x.sock"), .unix(path: "/run/x.sock"))
        XCTAssertEqual(SocketSpec("local:/run/x.sock"), .unix(path: "/run/x.sock"))
        XCTAssertEqual(SocketSpec("inet:8894@127.0.0.1"), .inet(port: 8894, host: "127.0.0.1", v6: false))
        XCTAssertEqual(SocketSpec("inet6:8894"), .inet(port: 8894, host: nil, v6: true))
        XCTAssertNil(SocketSpec("unix:relative.sock"))
        XCTAssertNil(SocketSpec("inet:0@localhost"))
        XCTAssertNil(SocketSpec("tcp:25"))
        XCTAssertEqual(SocketSpec("inet:8894@127.0.0.1")?.description, "inet:8894@127.0.0.1")
    }

    func testAddressNormalization() {
        XCTAssertEqual(ConnectionFacts.normalizedAddress("IPv6:2001:db8::1"), "2001:db8::1")
        XCTAssertEqual(ConnectionFacts.normalizedAddress("[192.0.2.1]"), "192.0.2.1")
        XCTAssertNil(ConnectionFacts.normalizedAddress("unknown"))
        XCTAssertNil(ConnectionFacts.normalizedAddress(""))
        XCTAssertNil(ConnectionFacts.normalizedName("[192.0.2.1]"))
        XCTAssertEqual(ConnectionFacts.normalizedName("mx.example.net"), "mx.example.net")
    }
}
