import BECCore
import XCTest

/// Runs every detector's self-described examples (SwiftLint-style): triggering examples must
/// produce the listed symbols, non-triggering ones nothing, against the worked example config.
final class DetectorExampleTests: XCTestCase {
    func detector(_ t: any Detector.Type) -> any Detector {
        t.init(policy: TestSupport.exampleConfig.policy, services: TestSupport.services)
    }

    func findings(_ d: any Detector, _ ex: DetectorExample) -> [Finding] {
        let m = TestSupport.message(ex.message, envelope: ex.envelope)
        return d.detect(DetectionContext(message: m, policy: TestSupport.exampleConfig.policy, services: TestSupport.services, history: ex.history))
    }

    func testTriggeringExamplesFire() {
        for t in Pipeline.detectorTypes {
            let d = detector(t)
            XCTAssertFalse(t.info.triggering.isEmpty, "\(t.info.id) has no triggering examples")
            for ex in t.info.triggering {
                let got = Set(findings(d, ex).map(\.symbol))
                for s in ex.fires {
                    XCTAssertTrue(got.contains(s), "\(t.info.id): expected \(s) on:\n\(ex.message)\ngot \(got.sorted())")
                }
            }
        }
    }

    func testNonTriggeringExamplesStayQuiet() {
        for t in Pipeline.detectorTypes {
            let d = detector(t)
            XCTAssertFalse(t.info.nonTriggering.isEmpty, "\(t.info.id) has no non-triggering examples")
            for ex in t.info.nonTriggering {
                let got = findings(d, ex).filter { (TestSupport.exampleConfig.policy.scoring.weights[$0.symbol] ?? 0) != 0 }
                XCTAssertTrue(got.isEmpty, "\(t.info.id): expected no weighted finding on:\n\(ex.message)\ngot \(got.map { "\($0.symbol): \($0.evidence)" })")
            }
        }
    }

    func testEveryDeclaredSymbolIsUpperSnakeAndWeighted() {
        let weights = TestSupport.exampleConfig.policy.scoring.weights
        for t in Pipeline.detectorTypes {
            for s in t.info.symbols {
                XCTAssertTrue(s.name.allSatisfy { $0.isUppercase || $0.isNumber || $0 == "_" }, s.name)
                XCTAssertNotNil(weights[s.name], "\(s.name) has no weight in the default rules")
            }
        }
        XCTAssertEqual(Set(Pipeline.detectorTypes.map { $0.info.id }).count, Pipeline.detectorTypes.count, "detector ids are unique")
    }

    func testEvidenceNamesTheNormalization() {
        let d = detector(DisplayNameImpersonationDetector.self)
        let f = findings(d, DetectorExample("From: Margaret Ok\u{0430}for <x@example.net>\n\nhi"))
        XCTAssertEqual(f.first?.symbol, "IMPERSONATE_EXECUTIVE")
        XCTAssertTrue(f.first?.evidence.contains("confusable") ?? false, f.first?.evidence ?? "")
        let z = findings(d, DetectorExample("From: David L\u{200C}indqvist <d@example.net>\n\nhi"))
        XCTAssertTrue(z.first?.evidence.contains("U+200C") ?? false, z.first?.evidence ?? "")
        let typo = findings(d, DetectorExample("From: David Lindquist <d@example.net>\n\nhi"))
        XCTAssertTrue(typo.first?.evidence.contains("lindquist~lindqvist") ?? false, typo.first?.evidence ?? "")
    }

    func testLookalikeEvidenceNamesTheFamily() {
        let d = detector(LookalikeDomainDetector.self)
        let cases: [(String, String)] = [
            ("callowayfreightt.com", "repetition"), ("calowayfreight.com", "omission"), ("callowayfreihgt.com", "transposition"),
            ("callowayfreight.net", "tld-swap"), ("calloway-freight.com", "hyphenation"), ("ca11owayfreight.com", "homoglyph"),
            ("callowayfreightx.com", "addition"), ("callowayfreight-hr.com", "dictionary"), ("callowayfreight.com.example.net", "subdomain"),
            ("kestrelfual.com", "vowel-swap"), ("xn--cllowayfreight-vtl.com", "homoglyph"),
        ]
        for (domain, family) in cases {
            let f = findings(d, DetectorExample("From: a <a@\(domain)>\n\nhi"))
            XCTAssertTrue(f.contains { $0.evidence.contains(family) }, "\(domain): expected \(family), got \(f.map(\.evidence))")
        }
    }

    func testRealExecutivesFromRealAddressesAreNotImpersonation() {
        for p in TestSupport.exampleConfig.policy.people {
            for a in p.addresses {
                let m = TestSupport.message("Authentication-Results: mx.callowayfreight.com; dkim=pass header.d=callowayfreight.com; dmarc=pass header.from=callowayfreight.com\nFrom: \(p.name) <\(a)>\nSubject: Payment run\n\nPlease process the wire transfer today.\n")
                let v = TestSupport.pipeline.evaluate(m)
                XCTAssertEqual(v.action, .accept, "\(p.name) <\(a)>: \(VerdictFormatter.explain(v))")
            }
        }
    }

    func testNonLatinColleaguesAreNotFlaggedForTheirScript() {
        for name in ["Ελένη Παπαδοπούλου", "박준서", "Олександр Коваленко", "佐藤 健", "王晓明", "محمد العلي"] {
            let m = TestSupport.message("From: \(name) <colleague@example.org>\nSubject: hello\n\nhello\n")
            let v = TestSupport.pipeline.evaluate(m)
            XCTAssertFalse(v.findings.contains { $0.detector == "confusables" && $0.weight > 0 }, "\(name): \(v.findings.map(\.symbol))")
        }
    }
}
