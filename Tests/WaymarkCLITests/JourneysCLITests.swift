import Foundation
import Testing

/// `waymark journeys` and `profile --report` on a tiny hand-made history (issue 18 item 3).
@Suite("waymark journeys (binary)", .serialized)
struct JourneysCLITests {
    /// The history of the engine's JourneyMapTests, in the tables: A and B begin as prospects (A
    /// goes to onboarding, active, at_risk and back to active; B to onboarding, at_risk, lapsed), C
    /// is first recorded active. Day 0 is 2025-01-01.
    static func database() throws -> CLIHarness {
        let harness = try CLIHarness()
        #expect(try harness.run(["migrate"]).status == 0)
        let load = try harness.psql("""
            INSERT INTO products (product_id, name, category, list_price) VALUES ('P1', 'Fund', 'fund', 10), ('P2', 'Cover', 'insurance', 20);
            INSERT INTO clients (client_id, first_seen, segment) VALUES
              ('A', '2025-01-01', 'mass'), ('B', '2025-01-01', 'affluent'), ('C', '2025-01-01', 'mass'), ('D', '2025-01-01', 'mass');
            INSERT INTO stage_history (client_id, changed_at, stage, previous, reason)
            SELECT c, date '2025-01-01' + d, s, p, 'hand-made' FROM (VALUES
              ('A', 0, 'prospect', NULL), ('A', 10, 'onboarding', 'prospect'), ('A', 100, 'active', 'onboarding'),
              ('A', 200, 'at_risk', 'active'), ('A', 230, 'active', 'at_risk'),
              ('B', 0, 'prospect', NULL), ('B', 50, 'onboarding', 'prospect'), ('B', 150, 'at_risk', 'onboarding'),
              ('B', 400, 'lapsed', 'at_risk'), ('C', 20, 'active', NULL)) h(c, d, s, p);
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount, channel) VALUES
              ('A', 'a1', 'P1', date '2025-01-01' + 10, 10, 'web'), ('A', 'a2', 'P2', date '2025-01-01' + 100, 20, 'store'),
              ('A', 'a3', 'P1', date '2025-01-01' + 228, 10, 'web'), ('B', 'b1', 'P2', date '2025-01-01' + 50, 20, 'phone'),
              ('C', 'c1', 'P1', date '2025-01-01' + 25, 10, NULL);
            """)
        #expect(load.status == 0, "\(load.stderr)")
        let catalog = try harness.run(["catalog", "load", try harness.write("catalog.yaml", """
            version: "journeys-1"
            items:
              - { id: offer-cover, kind: offer, title: Cover, category: insurance, channels: [email], value: 10 }
            """)])
        #expect(catalog.status == 0, "\(catalog.stderr)")
        return harness
    }

    @Test("journeys from the tables equal the hand count (flows both ways, entries, exits, medians, conversion), by cohort")
    func handCount() throws {
        let db = try Self.database()
        let table = try db.run(["journeys", "--as-of", "2026-05-16"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("Journeys as of 2026-05-16: 3 clients, 7 changes of stage"), "\(table.stdout)")
        let lines = table.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        // stage, entered here, entered, now, left to lapsed, median days, converted, conversion
        #expect(lines.contains("prospect 2 2 0 0 30.0 1/2 50.0 %"), "\(table.stdout)")
        #expect(lines.contains("onboarding 0 2 0 0 95.0 0/2 0.0 %"))
        #expect(lines.contains("active 1 3 2 0 100.0 1/3 33.3 %"))
        #expect(lines.contains("at_risk 0 2 0 1 140.0 1/2 50.0 %"))
        #expect(lines.contains("lapsed 0 1 1 0 - 0/1 0.0 %"))
        #expect(lines.contains("prospect onboarding 2"))
        #expect(lines.contains("at_risk active 1"))

        let json = try db.run(["journeys", "--as-of", "2026-05-16", "--since", "2025-05-31", "--by", "channel", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let overall = try #require(object["overall"] as? [String: Any])
        #expect(overall["changes"] as? Int == 4)  // day 150 on: B → at_risk, A → at_risk, A → active, B → lapsed
        let cohorts = try #require(object["cohorts"] as? [[String: Any]])
        // The first purchase's channel: A web, B phone, C none recorded.
        #expect(Set(cohorts.compactMap { $0["name"] as? String }) == ["web", "phone", "(unknown)"])

        let first = try db.run(["journeys", "--as-of", "2026-05-16", "--by", "first_product", "--format", "json"])
        #expect(first.stdout.contains(#""name":"P1""#) && first.stdout.contains(#""name":"P2""#))
    }

    @Test("--report writes the page with its flow chart; profile --report draws the client; bad options are usage errors")
    func reports() throws {
        let db = try Self.database()
        let path = db.directory.appendingPathComponent("journeys.html").path
        let run = try db.run(["journeys", "--as-of", "2026-05-16", "--report", path])
        #expect(run.status == 0, "\(run.stderr)")
        let page = try String(contentsOfFile: path, encoding: .utf8)
        #expect(page.contains(#"<svg id="flow-chart""#))
        #expect(page.components(separatedBy: #"class="flow""#).count - 1 == 8)

        let profilePath = db.directory.appendingPathComponent("A.html").path
        let profile = try db.run(["profile", "A", "--as-of", "2026-05-16", "--report", profilePath])
        #expect(profile.status == 0, "\(profile.stderr)")
        let drawn = try String(contentsOfFile: profilePath, encoding: .utf8)
        #expect(drawn.components(separatedBy: #"class="stay""#).count - 1 == 5)
        #expect(drawn.components(separatedBy: #"data-lane="purchase""#).count - 1 == 3)

        let bad = try db.run(["journeys", "--by", "region"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--by must be segment, channel or first_product; got 'region'"))
        let unwritable = try db.run(["journeys", "--report", "/nonexistent-dir/j.html"])
        #expect(unwritable.status == 1)
        #expect(unwritable.stderr.contains("cannot write the report to /nonexistent-dir/j.html"))
    }
}
