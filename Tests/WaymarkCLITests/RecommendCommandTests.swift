import Foundation
import Testing

@Suite("waymark recommend and profile (binary)", .serialized)
struct RecommendCommandTests {
    @Test("recommend prints reasons for a person and JSON for machines; an unknown client fails")
    func recommend() throws {
        let db = try ScoreCLIDatabase()
        #expect(try db.run(["score", "--as-of", "2025-06-01"]).status == 0)
        let table = try db.run(["recommend", "C003"])
        #expect(table.status == 0, "\(table.stderr)")
        #expect(table.stdout.contains("C003"))
        #expect(table.stdout.contains("offer-lead because:"))
        #expect(table.stdout.contains("when: stage == \"prospect\""))
        let json = try db.run(["recommend", "C003", "--format", "json", "--explain"])
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((answer["scores"] as? [String: Any])?["stage"] as? String == "prospect")
        #expect((answer["not_recommended"] as? [Any])?.count == 1)
        let missing = try db.run(["recommend", "NOPE"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no client 'NOPE'"))
        let profile = try db.run(["profile", "C002"])
        #expect(profile.status == 0, "\(profile.stderr)")
        #expect(profile.stdout.contains("Stage history:"))
        #expect(profile.stdout.contains("Last run's recommendations:"))
    }

    @Test("recommend --format csv lists the cadence steps due after the offers and messages: one going out, one waiting for a cap")
    func cadenceStepsInCSV() throws {
        let db = try CLIHarness()
        #expect(try db.run(["migrate"]).status == 0)
        let catalog = try db.write("cadence.yaml", """
            version: "cadence-csv-1"
            contact_policy:
              caps: [{ channel: email, max: 1, window_days: 7 }]
            items:
              - { id: msg-congrats, kind: message, title: Congratulations, template: "Congratulations, {{client_id}}", channels: [email] }
              - { id: msg-tips, kind: message, title: First-week tips, template: "Tips", channels: [email], when: "false" }
            cadences:
              - id: new-parent
                title: New parents
                enter: event_within("child_born", 30)
                steps:
                  - { item: msg-congrats, channel: email, delay_days: 0 }
                  - { item: msg-tips, channel: email, delay_days: 0 }
            """)
        let load = try db.run(["catalog", "load", catalog])
        #expect(load.status == 0, "\(load.stderr)")
        _ = try db.psql("INSERT INTO clients (client_id, first_seen, consents) VALUES ('P1', timestamptz '2024-01-01', '{email}')")
        _ = try db.psql("INSERT INTO life_events (client_id, event_id, kind, occurred_at) VALUES ('P1', 'E1', 'child_born', timestamptz '2025-05-30')")
        let csv = try db.run(["recommend", "P1", "--as-of", "2025-06-01", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "client_id,as_of,kind,rank,item_id,channel,score,title,summary,reasons")
        let steps = lines.filter { $0.contains(",cadence_step,") }
        #expect(steps.count >= 1, "\(lines)")
        let first = try #require(steps.first)
        #expect(first.hasPrefix("P1,2025-06-01,cadence_step,1,msg-congrats,email,,Congratulations,"), "\(first)")
        #expect(first.contains("step 1 of 2 of the new-parent cadence"), "\(first)")
        #expect(first.hasSuffix(",goes out now"), "\(first)")
        // The step went out (the CRM records it): step 2 is due now, but the e-mail cap of one a
        // week holds it, and the row says why.
        _ = try db.psql("""
            INSERT INTO responses (client_id, response_id, item_id, channel, presented_at, outcome)
            VALUES ('P1', 'R1', 'msg-congrats', 'email', timestamptz '2025-06-01 00:00:00+00', 'presented')
            """)
        let again = try db.run(["recommend", "P1", "--as-of", "2025-06-02", "--format", "csv"])
        #expect(again.status == 0, "\(again.stderr)")
        let waiting = try #require(again.stdout.split(separator: "\n").map(String.init).first { $0.contains(",cadence_step,") }, "\(again.stdout)")
        #expect(waiting.hasPrefix("P1,2025-06-02,cadence_step,1,msg-tips,email,,First-week tips,"), "\(waiting)")
        #expect(waiting.contains("step 2 of 2 of the new-parent cadence"), "\(waiting)")
        #expect(waiting.contains(",waits: "), "\(waiting)")
    }
}
