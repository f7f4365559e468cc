import BECCore
import XCTest

final class ScorerTests: XCTestCase {
    let rules = ScoringRules(
        weights: ["A": 4, "B": 3, "L1": 2, "L2": 2, "NEG": -3, "ZERO": 0],
        symbolGroups: ["A": "identity", "B": "identity", "L1": "language", "L2": "language", "NEG": "process", "ZERO": "vendor"],
        groupCaps: ["language": 3],
        combinations: [Combination(name: "id_lang", all: ["group:identity", "group:language"], weight: 4),
                       Combination(name: "zero_l1", all: ["ZERO", "L1"], none: ["NEG"], weight: 1)],
        thresholds: Thresholds(tag: 5, quarantine: 9, reject: 15))

    func f(_ s: String, _ strength: Double = 1) -> Finding { Finding(s, "evidence for \(s)", strength: strength) }

    func testWeightsStrengthAndDeduplication() {
        let v = Scorer(rules: rules).score([f("A", 0.5), f("A"), f("B")])
        XCTAssertEqual(v.score, 7)
        XCTAssertEqual(v.findings.filter { $0.symbol == "A" }.count, 1, "a symbol counts once, at its strongest")
        XCTAssertEqual(v.action, .tag)
    }

    func testGroupCapScalesFindings() {
        let v = Scorer(rules: rules).score([f("L1"), f("L2")])
        XCTAssertEqual(v.score, 3)
        XCTAssertEqual(v.groups.first { $0.group == "language" }?.raw, 4)
        XCTAssertEqual(v.groups.first { $0.group == "language" }?.capped, 3)
        XCTAssertEqual(v.action, .accept, "language alone stays below tag")
    }

    func testCombinationAndNone() {
        let v = Scorer(rules: rules).score([f("A"), f("L1"), f("ZERO")])
        XCTAssertEqual(v.combinations.sorted(), ["id_lang", "zero_l1"])
        XCTAssertEqual(v.score, 4 + 2 + 4 + 1)
        XCTAssertEqual(v.action, .quarantine)
        let w = Scorer(rules: rules).score([f("ZERO"), f("L1"), f("NEG")])
        XCTAssertFalse(w.combinations.contains("zero_l1"), "a 'none' term blocks the combination")
        XCTAssertEqual(w.score, -1)
    }

    func testThresholdsAndMargins() {
        let v = Scorer(rules: rules).score([f("A"), f("B"), f("L1"), f("L2")])   // 4+3+3(capped)+4
        XCTAssertEqual(v.score, 14)
        XCTAssertEqual(v.action, .quarantine)
        XCTAssertEqual(v.marginToNext, 1)
        XCTAssertEqual(v.marginAbove, 5)
        var off = rules.thresholds
        off.quarantine = nil
        XCTAssertEqual(Scorer(rules: rules).score([f("A"), f("B"), f("L1"), f("L2")], thresholds: off).action, .tag)
    }

    func testUnweightedSymbolScoresZero() {
        let v = Scorer(rules: rules).score([f("UNKNOWN_THING")])
        XCTAssertEqual(v.score, 0)
        XCTAssertEqual(v.action, .accept)
    }
}
