import BECCore
import BECRules
import XCTest

final class ConfigLoaderTests: XCTestCase {
    func errors(_ yaml: String, extra: [String: String] = [:]) -> [ConfigError] {
        do {
            _ = try TestSupport.load(yaml, extraFiles: extra)
            return []
        } catch let e as ConfigErrors {
            return e.errors
        } catch {
            XCTFail("unexpected \(error)")
            return []
        }
    }

    func testWorkedExampleLoads() throws {
        let c = TestSupport.exampleConfig
        XCTAssertEqual(c.policy.organization.authservID, "mx.callowayfreight.com")
        XCTAssertEqual(c.policy.people.filter(\.executive).count, 6)
        XCTAssertEqual(c.policy.vendors.count, 5)
        XCTAssertTrue(c.policy.freemailDomains.contains("gmail.com"))
        XCTAssertGreaterThanOrEqual(Set(c.policy.lexicon.families.map(\.language)).count, 7, "lexicons in at least 7 languages")
        XCTAssertEqual(c.policy.publicSuffixes.registrableDomain("mail.callowayfreight.co.uk"), "callowayfreight.co.uk")
        XCTAssertEqual(c.policy.recipientGroups.first?.thresholds.quarantine, 8)
    }

    func testUnknownKeyHasLineAndColumn() {
        let e = errors("organization:\n  name: X\n  domians: [x.com]\n")
        XCTAssertEqual(e.count, 1)
        XCTAssertEqual(e.first?.line, 3)
        XCTAssertEqual(e.first?.column, 3)
        XCTAssertTrue(e.first?.message.contains("unknown key 'domians'") ?? false, e.first?.message ?? "")
        XCTAssertTrue(e.first?.description.hasSuffix("test.yaml:3:3: unknown key 'domians' in organization (allowed: authserv_id, domains, internal_networks, name)") ?? false, e.first?.description ?? "")
    }

    func testUnknownSymbolBadTypeAndRange() {
        let e = errors("symbols:\n  NOT_A_SYMBOL: 3\n  LANG_URGENCY: {weight: lots}\n  LANG_SECRECY: 500\nthresholds: {tag: 10, quarantine: 5}\n")
        let msgs = e.map(\.description).joined(separator: "\n")
        XCTAssertTrue(msgs.contains(":2:3: unknown symbol 'NOT_A_SYMBOL'"), msgs)
        XCTAssertTrue(msgs.contains(":3:26: weight of LANG_URGENCY must be a number"), msgs)
        XCTAssertTrue(msgs.contains("out of range"), msgs)
        XCTAssertTrue(msgs.contains("threshold tag (10.0) is above quarantine (5.0)"), msgs)
    }

    func testYAMLSyntaxErrorHasPosition() {
        let e = errors("organization:\n  name: [unclosed\n")
        XCTAssertEqual(e.count, 1)
        XCTAssertGreaterThan(e.first?.line ?? 0, 0)
        XCTAssertTrue(e.first?.message.hasPrefix("YAML syntax") ?? false)
    }

    func testBadNetworkAndChoice() {
        let e = errors("organization:\n  internal_networks: [10.0.0.0/33]\ninternal_mail: sometimes\nmilter:\n  on_internal_error: shrug\n")
        let msgs = e.map(\.message)
        XCTAssertTrue(msgs.contains { $0.contains("is not an IP network") })
        XCTAssertTrue(msgs.contains { $0.contains("internal_mail must be one of skip, score, learn") })
        XCTAssertTrue(msgs.contains { $0.contains("on_internal_error must be one of accept, tempfail, reject") })
    }

    func testOverlayMergesOverDefaults() throws {
        let c = try TestSupport.load("rules: [site.yaml]\nsymbols:\n  LANG_URGENCY: 2\n",
                                     extraFiles: ["site.yaml": "symbols:\n  LANG_SECRECY: {weight: 7}\nthresholds: {tag: 6}\nallowlist: {senders: [Boss@Example.com]}\ncombinations:\n  - {name: identity_and_language, all: [group:identity, group:language], weight: 9}\n"])
        let s = c.policy.scoring
        XCTAssertEqual(s.weights["LANG_URGENCY"], 2, "inline keys are the last overlay")
        XCTAssertEqual(s.weights["LANG_SECRECY"], 7)
        XCTAssertEqual(s.weights["IMPERSONATE_EXECUTIVE"], 3.5, "defaults still there")
        XCTAssertEqual(s.thresholds.tag, 6)
        XCTAssertEqual(s.thresholds.quarantine, 9, "unset thresholds keep the default")
        XCTAssertEqual(s.combinations.filter { $0.name == "identity_and_language" }.map(\.weight), [9], "combination replaced by name")
        XCTAssertTrue(c.policy.allowlist.senders.contains("boss@example.com"))
    }

    func testLimitsAreConfigurable() throws {
        let c = try TestSupport.load("limits:\n  max_mime_depth: 3\n  max_text_bytes: 1000\n")
        XCTAssertEqual(c.policy.limits.maxMimeDepth, 3)
        XCTAssertEqual(c.policy.limits.maxTextBytes, 1000)
        XCTAssertFalse(errors("limits:\n  max_mime_depth: 0\n").isEmpty)
        XCTAssertFalse(errors("limits:\n  max_bogus: 3\n").isEmpty)
    }

    func testRuleFileTestsAreLoaded() {
        XCTAssertEqual(TestSupport.exampleConfig.tests.count, 3)
        XCTAssertEqual(TestSupport.exampleConfig.tests.map(\.expect), [.accept, .quarantine, .accept])
    }
}
