import BECCore
import XCTest

/// The fast, table-driven word normalizer must agree with full Unicode folding (NFKC, case,
/// accents) on the text detectors see.
final class TextNormalizerTests: XCTestCase {
    let services = TestSupport.services

    func reference(_ s: String) -> [String] {
        TextNormalizer.fold(TextNormalizer.stripInvisible(s).0)
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) && $0 != "'" && $0 != "\u{2019}" })
            .map { $0.filter { $0 != "'" && $0 != "\u{2019}" } }
            .filter { !$0.isEmpty }
    }

    func testAgreesWithFoundationFoldingOnLatinText() {
        let samples = [
            "Jürgen Weiß bittet um Überweisung der Rechnung", "Tomás Echeverría — Général Counsel", "Ångström Čapek Šťastný",
            "Can you do me a favour? It's urgent!", "naïve café résumé façade", "Ελένη Παπαδοπούλου ώρα", "Київ Їжак ёлка",
            "Nguyễn Văn Thắng",
            "Ğüzel İstanbul ŞİŞLİ", "Ça coûte 20€ ou 20 EUR", "Zahlungserinnerung — fällig am 3. März",
        ]
        for s in samples {
            XCTAssertEqual(TextNormalizer.words(s, services: services), reference(s), s)
        }
    }

    func testLettersWithoutDecompositionFoldToTheirBase() {
        // Foundation keeps æ, œ, þ, ł, ø; the table folds them too, so "Łódź" matches "Lodz".
        XCTAssertEqual(TextNormalizer.words("ÆSIR Œuvre ĳssel Þór Łódź Ørsted", services: services), ["aesir", "oeuvre", "ijssel", "thor", "lodz", "orsted"])
    }

    func testCompatibilityLettersInvisibleAndConfusables() {
        XCTAssertEqual(TextNormalizer.words("Ｍａｒｇａｒｅｔ 𝐎𝐤𝐚𝐟𝐨𝐫", services: services), ["margaret", "okafor"])
        XCTAssertEqual(TextNormalizer.words("Marg\u{200B}aret Ok\u{0430}for", services: services), ["margaret", "okafor"])
        XCTAssertEqual(TextNormalizer.words("w\u{0456}re tr\u{0430}nsfer", services: services), ["wire", "transfer"])
        XCTAssertEqual(TextNormalizer.words("Олександр Ελένη", services: services), ["олександр", "ελενη"], "whole non-Latin words keep their script")
        XCTAssertEqual(TextNormalizer.words("ª º ² ¼x", services: services), ["a", "o", "2", "x"], "fractions end a word")
    }

    func testLinearOnLongLatin1Garbage() {
        let garbage = String(repeating: "ÿÐÏà¡±á>þÿ\u{00B5}ÀÉ ", count: 20_000)
        let start = ContinuousClock.now
        let w = TextNormalizer.words(garbage, services: services)
        XCTAssertGreaterThan(w.count, 20_000)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(10), "hang guard")
    }
}
