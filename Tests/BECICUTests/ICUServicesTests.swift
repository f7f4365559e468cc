import BECCore
import BECICU
import Foundation
import XCTest

final class ICUServicesTests: XCTestCase {
    private var icu: ICUServices!

    override func setUpWithError() throws {
        icu = try ICUServices()
    }

    // MARK: - decode

    func testDecodeLatin1() {
        XCTAssertEqual(icu.decode([0x54, 0x6F, 0x6D, 0xE1, 0x73], charset: "ISO-8859-1"), "Tom\u{e1}s")
        XCTAssertEqual(icu.decode([0x54, 0x6F, 0x6D, 0xE1, 0x73], charset: "latin1"), "Tom\u{e1}s")
    }

    func testDecodeWindows1252SmartQuotes() {
        let bytes: [UInt8] = [0x93, 0x48, 0x69, 0x94, 0x20, 0x91, 0x78, 0x92, 0x85, 0x80]
        XCTAssertEqual(icu.decode(bytes, charset: "windows-1252"),
                       "\u{201C}Hi\u{201D} \u{2018}x\u{2019}\u{2026}\u{20AC}")
        XCTAssertEqual(icu.decode(bytes, charset: "cp1252"), icu.decode(bytes, charset: "windows-1252"))
    }

    func testDecodeKOI8() {
        XCTAssertEqual(icu.decode([0xEB, 0xC9, 0xA7, 0xD7], charset: "KOI8-U"), "Київ")
        XCTAssertEqual(icu.decode([0xBD, 0xC1, 0xCE, 0xCF, 0xCB], charset: "koi8-u"), "Ґанок")
        XCTAssertEqual(icu.decode([0xEB, 0xC9, 0xC5, 0xD7], charset: "KOI8-R"), "Киев")
    }

    func testDecodeCJK() {
        XCTAssertEqual(icu.decode([0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA], charset: "Shift_JIS"), "日本語")
        XCTAssertEqual(icu.decode([0xD6, 0xD0, 0xCE, 0xC4], charset: "GB2312"), "中文")
        XCTAssertEqual(icu.decode([0xD6, 0xD0, 0xCE, 0xC4], charset: "GBK"), "中文")
        XCTAssertEqual(icu.decode([0xD6, 0xD0, 0xCE, 0xC4], charset: "GB18030"), "中文")
        XCTAssertEqual(icu.decode([0xC6, 0xFC, 0xCB, 0xDC], charset: "EUC-JP"), "日本")
        XCTAssertEqual(icu.decode([0x1B, 0x24, 0x42, 0x46, 0x7C, 0x4B, 0x5C, 0x1B, 0x28, 0x42],
                                  charset: "ISO-2022-JP"), "日本")
        XCTAssertEqual(icu.decode([0xBB, 0x4F, 0xC6, 0x57], charset: "Big5"), "臺灣")
        XCTAssertEqual(icu.decode([0xC7, 0xD1, 0xB1, 0xB9, 0xBE, 0xEE], charset: "EUC-KR"), "한국어")
    }

    func testDecodeUnicodeAndInvalidSequences() {
        XCTAssertEqual(icu.decode(Array("Grüße".utf8), charset: "UTF-8"), "Grüße")
        XCTAssertEqual(icu.decode([0x61, 0xFF, 0x62, 0xC3], charset: "utf-8"), "a\u{FFFD}b\u{FFFD}")
        XCTAssertEqual(icu.decode([0x00, 0x41, 0xD8, 0x00, 0x00, 0x42], charset: "UTF-16BE"), "A\u{FFFD}B")
        XCTAssertEqual(icu.decode([0xFF, 0xFE, 0x41, 0x00], charset: "UTF-16"), "A")
        XCTAssertEqual(icu.decode([0x61, 0x00, 0x62], charset: "US-ASCII"), "a\u{0}b")
        // An undefined byte in Shift_JIS does not stop the conversion.
        XCTAssertEqual(icu.decode([0x41, 0xA0, 0x42], charset: "Shift_JIS")?.hasSuffix("B"), true)
        XCTAssertEqual(icu.decode([], charset: "UTF-8"), "")
    }

    func testDecodeLargeInputGrowsBuffer() {
        // 0x85 (ellipsis) expands 1 → 3 bytes, the worst common case; 100 KB round-trips.
        let bytes = [UInt8](repeating: 0x85, count: 100_000)
        XCTAssertEqual(icu.decode(bytes, charset: "windows-1252")?.unicodeScalars.count, 100_000)
    }

    func testDecodeUnknownCharsetIsNil() {
        XCTAssertNil(icu.decode([0x41], charset: "x-no-such-charset"))
        XCTAssertNil(icu.decode([], charset: "x-no-such-charset"))
    }

    func testDecodeHostileCharsetNamesAreNil() {
        let hostile = ["", String(repeating: "A", count: 65), String(repeating: "utf-8", count: 10_000),
                       "utf-8\u{0}", "\u{0}", "utf\u{0}-8", "ütf-8", "UTF\u{2010}8", "utf-8\n",
                       "../../../etc/passwd", "/tmp/x", "a\\b"]
        for name in hostile {
            XCTAssertNil(icu.decode([0x41], charset: name), "charset name \(name.debugDescription)")
        }
    }

    // MARK: - skeleton

    func testSkeletonConfusables() {
        XCTAssertEqual(icu.skeleton("J\u{043E}hn"), icu.skeleton("John"))
        XCTAssertEqual(icu.skeleton("rn"), icu.skeleton("m"))
        XCTAssertEqual(icu.skeleton("paypa1"), icu.skeleton("paypal"))
        XCTAssertEqual(icu.skeleton("\u{0410}\u{0441}hterberg"), icu.skeleton("Achterberg"))
        XCTAssertNotEqual(icu.skeleton("John"), icu.skeleton("Joan"))
        XCTAssertEqual(icu.skeleton("0"), icu.skeleton("O"))
        XCTAssertEqual(icu.skeleton("I"), icu.skeleton("l"))
    }

    func testSkeletonIgnoresInvisibleCharacters() {
        // Default-ignorable code points are dropped (UTS #39 15.1+; ICU 72 alone keeps them).
        XCTAssertEqual(icu.skeleton("J\u{200B}o\u{200D}h\u{FEFF}n\u{00AD}\u{2060}\u{200C}"), icu.skeleton("John"))
        XCTAssertEqual(icu.skeleton("\u{200B}\u{FEFF}"), "")
        // Invisible padding cannot push the visible name out of the analysed window.
        let padded = String(repeating: "\u{200B}", count: 5_000) + "J\u{043E}hn"
        XCTAssertEqual(icu.skeleton(padded), icu.skeleton("John"))
        XCTAssertEqual(icu.scripts(padded), ["Latn", "Cyrl"])
    }

    func testSkeletonHostileInput() {
        XCTAssertEqual(icu.skeleton(""), "")
        XCTAssertFalse(icu.skeleton("a\u{0}b").isEmpty)
        XCTAssertFalse(icu.skeleton("\u{FFFD}x\u{FEFF}\u{200D}").isEmpty)
        // Huge input is capped: only the first maxAnalyzedBytes are examined.
        let huge = String(repeating: "é", count: 1_000_000) // 2 bytes each, cut lands mid-way
        let capped = icu.skeleton(huge)
        XCTAssertEqual(capped, icu.skeleton(String(repeating: "é", count: ICUServices.maxAnalyzedBytes / 2)))
        let odd = "a" + String(repeating: "é", count: 10_000) // cut falls inside a scalar
        XCTAssertFalse(icu.skeleton(odd).isEmpty)
        let zalgo = "Z" + String(repeating: "\u{0301}", count: 100_000)
        XCTAssertFalse(icu.skeleton(zalgo).isEmpty)
    }

    // MARK: - restriction level

    func testRestrictionLevels() {
        XCTAssertEqual(icu.restrictionLevel("John"), .asciiOnly)
        XCTAssertEqual(icu.restrictionLevel(""), .asciiOnly)
        XCTAssertEqual(icu.restrictionLevel("Ελένη"), .singleScript)
        XCTAssertEqual(icu.restrictionLevel("Tomás"), .singleScript)
        XCTAssertEqual(icu.restrictionLevel("東京タワー"), .singleScript)   // Han+Katakana = Jpan
        XCTAssertEqual(icu.restrictionLevel("Tokyo東京"), .highlyRestrictive)
        XCTAssertEqual(icu.restrictionLevel("Shalomשלום"), .moderatelyRestrictive)
        let mixed = icu.restrictionLevel("J\u{043E}hn")
        XCTAssertTrue(mixed == .minimallyRestrictive || mixed == .unrestricted, "\(mixed)")
        XCTAssertGreaterThanOrEqual(icu.restrictionLevel("a\u{0}b"), .asciiOnly)
    }

    // MARK: - scripts

    func testScripts() {
        XCTAssertEqual(icu.scripts("Helen \u{0410}\u{0441}hterberg"), ["Latn", "Cyrl"])
        XCTAssertEqual(icu.scripts("John"), ["Latn"])
        XCTAssertEqual(icu.scripts("Ελένη 2024!"), ["Grek"])
        XCTAssertEqual(icu.scripts("東京タワー"), ["Hani", "Kana"])
        XCTAssertEqual(icu.scripts("12 - 34 !?"), [])
        XCTAssertEqual(icu.scripts(""), [])
        XCTAssertEqual(icu.scripts("e\u{0301}\u{0}"), ["Latn"])
    }

    // MARK: - IDNA

    func testIDNARoundTrip() {
        XCTAssertEqual(icu.idnaToASCII("bücher.de"), "xn--bcher-kva.de")
        XCTAssertEqual(icu.idnaToUnicode("xn--bcher-kva.de"), "bücher.de")
        XCTAssertEqual(icu.idnaToASCII("Example.COM"), "example.com")
        XCTAssertEqual(icu.idnaToUnicode("example.com"), "example.com")
        XCTAssertEqual(icu.idnaToASCII("faß.de"), "xn--fa-hia.de") // nontransitional
        XCTAssertEqual(icu.idnaToASCII("\u{0440}\u{0430}\u{0443}\u{0440}\u{0430}\u{043B}.com"),
                       "xn--80aa7arbr.com")
    }

    func testIDNAInvalid() {
        for bad in ["", "foo..de", "-foo.de", "foo bar.de", "foo_bar.de", "a\u{0}b.de",
                    String(repeating: "a", count: 64) + ".de", String(repeating: "a.", count: 5_000)] {
            XCTAssertNil(icu.idnaToASCII(bad), "toASCII \(bad.prefix(40).debugDescription)")
        }
        XCTAssertNil(icu.idnaToUnicode("xn--a.de"))
        XCTAssertNil(icu.idnaToUnicode("xn--bcher-kva-.de"))
        XCTAssertNil(icu.idnaToUnicode("xn--.de"))
    }

    // MARK: - concurrency

    func testConcurrentSkeletonsAreIdentical() {
        final class Results: @unchecked Sendable {
            private let lock = NSLock()
            private var values: [String] = []
            func add(_ batch: [String]) { lock.lock(); values += batch; lock.unlock() }
            var all: [String] { lock.lock(); defer { lock.unlock() }; return values }
        }
        let service: ICUServices = icu
        let results = Results()
        let inputs = ["J\u{043E}hn", "paypa1", "Ελένη", "rn", "東京タワー"]
        let expected = inputs.map { service.skeleton($0) }
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var batch: [String] = []
            batch.reserveCapacity(1000)
            for i in 0..<1000 {
                let k = i % inputs.count
                batch.append(service.skeleton(inputs[k]) == expected[k] ? "ok" : "MISMATCH \(k)")
                _ = service.restrictionLevel(inputs[k])
                _ = service.idnaToASCII("bücher.de")
            }
            results.add(batch)
        }
        let all = results.all
        XCTAssertEqual(all.count, 8000)
        XCTAssertEqual(Set(all), ["ok"])
    }
}
