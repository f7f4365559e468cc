import BECHistory
import XCTest

final class SHA256Tests: XCTestCase {
    func testPublishedVectors() {
        XCTAssertEqual(SHA256.hex(SHA256.hash([])), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(SHA256.hash(Array("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // RFC 4231 test case 2.
        XCTAssertEqual(SHA256.hex(SHA256.hmac(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // RFC 4231 test case 6: a key longer than the block size is hashed first.
        XCTAssertEqual(SHA256.hex(SHA256.hmac(key: [UInt8](repeating: 0xaa, count: 131),
                                              message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testKeyerSeparatesKindsAndSecrets() {
        let a = HistoryKeyer(secret: Array("0123456789abcdef".utf8)), b = HistoryKeyer(secret: Array("fedcba9876543210".utf8))
        XCTAssertEqual(HistoryKeyer.plain.key("a@b.example", .address), "a@b.example")
        XCTAssertNotEqual(a.key("a@b.example", .address), "a@b.example")
        XCTAssertEqual(a.key("a@b.example", .address), a.key("a@b.example", .address))
        XCTAssertNotEqual(a.key("x", .address), a.key("x", .messageID))
        XCTAssertNotEqual(a.key("a@b.example", .address), b.key("a@b.example", .address))
    }
}
