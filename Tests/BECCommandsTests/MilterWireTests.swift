@testable import BECCommands
import XCTest

/// The MTA side of the milter protocol used by `bench milter`: bytes checked against the wire
/// format of libmilter (mfdef.h, engine.c).
final class MilterWireTests: XCTestCase {
    func testFrameIsLengthCommandData() {
        XCTAssertEqual(MilterWire.frame(.endOfBody), [0, 0, 0, 1, 0x45])
        XCTAssertEqual(MilterWire.frame(.helo, Array("x\0".utf8)), [0, 0, 0, 3, 0x48, 0x78, 0])
    }

    func testOptionNegotiationOffersVersion6() {
        XCTAssertEqual(MilterWire.optionNegotiation(),
                       [0, 0, 0, 13, 0x4F, 0, 0, 0, 6, 0, 0, 0x01, 0xFF, 0, 0x1F, 0xFF, 0xFF])
    }

    func testConnectCarriesFamilyPortAndAddress() {
        let v4 = MilterWire.connect(hostname: "h", address: "192.0.2.1", port: 25)
        XCTAssertEqual(Array(v4[4...]), [0x43, 0x68, 0, 0x34, 0, 25] + Array("192.0.2.1".utf8) + [0])
        let v6 = MilterWire.connect(hostname: "h", address: "2001:db8::1")
        XCTAssertEqual(v6[7], 0x36)
        XCTAssertEqual(Array(MilterWire.connect(hostname: "h", address: nil)[4...]), [0x43, 0x68, 0, 0x55])
    }

    func testMacrosNameTheStageAndPairs() {
        XCTAssertEqual(Array(MilterWire.macros(for: .mail, [("i", "Q1")])[4...]), [0x44, 0x4D, 0x69, 0, 0x51, 0x31, 0])
    }

    func testEnvelopeAndHeaderPackets() {
        XCTAssertEqual(Array(MilterWire.mail("a@b")[5...]), Array("<a@b>\0".utf8))
        XCTAssertEqual(Array(MilterWire.rcpt("c@d")[4...]), [0x52] + Array("<c@d>\0".utf8))
        XCTAssertEqual(Array(MilterWire.header(name: Array("To".utf8), value: Array("x".utf8))[4...]), [0x4C] + Array("To\0x\0".utf8))
    }

    func testBodyIsChunkedAt64K() {
        let chunks = MilterWire.body([UInt8](repeating: 0x61, count: 65535 * 2 + 10))
        XCTAssertEqual(chunks.map { $0.count - 5 }, [65535, 65535, 10])
        XCTAssertTrue(chunks.allSatisfy { $0[4] == 0x42 })
        XCTAssertTrue(MilterWire.body([]).isEmpty)
    }

    /// As Postfix hands a message to a milter: leading blanks of values dropped, folded lines
    /// joined with LF, body with CRLF whatever the file had.
    func testSplitMatchesPostfix() {
        let raw = Array("Subject:  hello\nX-Long: a\n\tb\r\nTo: c@d\n\nline1\nline2\r\n".utf8)
        let (h, body) = MilterWire.split(raw)
        XCTAssertEqual(h.map { String(decoding: $0.name, as: UTF8.self) }, ["Subject", "X-Long", "To"])
        XCTAssertEqual(h.map { String(decoding: $0.value, as: UTF8.self) }, ["hello", "a\n\tb", "c@d"])
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "line1\r\nline2\r\n")
        XCTAssertEqual(MilterWire.split(Array("A: b\n".utf8)).body, [])
    }

    func testDecoderWaitsForWholePackets() throws {
        var buf: [UInt8] = [0, 0, 0, 1]
        XCTAssertNil(try MilterWire.nextPacket(&buf))
        buf += [0x61, 0, 0, 0]
        XCTAssertEqual(try MilterWire.nextPacket(&buf), MilterWire.Packet(command: 0x61, data: []))
        XCTAssertEqual(buf, [0, 0, 0])
        var bad: [UInt8] = [0, 0, 0, 0, 0x61]
        XCTAssertThrowsError(try MilterWire.nextPacket(&bad))
    }

    func testRepliesDecode() throws {
        func d(_ c: Character, _ data: [UInt8] = []) throws -> MilterWire.Reply {
            try MilterWire.decode(.init(command: c.asciiValue!, data: data))
        }
        XCTAssertEqual(try d("O", [0, 0, 0, 6, 0, 0, 0, 0x31, 0, 0x0F, 0x12, 0x40]),
                       .optionNegotiation(version: 6, actions: 0x31, steps: 0x0F1240))
        XCTAssertEqual(try d("a"), .accept)
        XCTAssertEqual(try d("c"), .continue)
        XCTAssertEqual(try d("t"), .tempfail)
        XCTAssertEqual(try d("y", Array("550 5.7.1 no\0".utf8)), .replyCode("550 5.7.1 no"))
        XCTAssertEqual(try d("y", Array("451 4.7.1 later\0".utf8)).verdict, "tempfail")
        XCTAssertEqual(try d("h", Array("X-BEC-Verdict\0accept\0".utf8)), .addHeader(name: "X-BEC-Verdict", value: "accept"))
        XCTAssertEqual(try d("m", [0, 0, 0, 1] + Array("Subject\0[X] hi\0".utf8)), .changeHeader(index: 1, name: "Subject", value: "[X] hi"))
        XCTAssertEqual(try d("i", [0, 0, 0, 0] + Array("X-A\0b\0".utf8)), .insertHeader(index: 0, name: "X-A", value: "b"))
        XCTAssertEqual(try d("q", Array("bec\0".utf8)), .quarantine(reason: "bec"))
        XCTAssertEqual(try d("b", [1, 2, 3]), .replaceBody(bytes: 3))
        XCTAssertEqual(try d("p"), .progress)
        XCTAssertThrowsError(try d("h", Array("no-nul".utf8)))
        XCTAssertThrowsError(try d("O", [0, 0]))
    }

    func testOnlyVerdictsEndTheEndOfMessageExchange() throws {
        XCTAssertFalse(MilterWire.Reply.addHeader(name: "a", value: "b").isFinal)
        XCTAssertFalse(MilterWire.Reply.progress.isFinal)
        XCTAssertFalse(MilterWire.Reply.quarantine(reason: "").isFinal)
        XCTAssertTrue(MilterWire.Reply.accept.isFinal)
        XCTAssertTrue(MilterWire.Reply.replyCode("550 x").isFinal)
    }
}
