import Foundation
import Testing

/// Issue 17 end to end through the binary: the sticky holdout in the nightly run and live,
/// `explain` reproducing decisions, presentations counted live, `what-if`, `uplift`.
@Suite("waymark: experiments and audit (binary)", .serialized)
struct ExperimentsCLITests {
    static let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))

    static let catalog = """
        version: "exp-1"
        name: Experiment catalog
        holdout: {share: 0.3, salt: "test"}
        audit: {decision_log: true, retention_days: 30}
        items:
          - {id: offer-lead, kind: offer, title: First purchase offer, category: starter, channels: [email], when: 'stage == "prospect"', value: 10}
          - {id: offer-extra, kind: offer, title: Something more, category: extra, channels: [email], when: "purchase_count >= 1", value: 20}
          - {id: offer-more, kind: offer, title: More, category: more, channels: [email], value: 5, repeatable: true}
          - {id: msg-receipt, kind: message, title: Receipt, channels: [email], service: true, repeatable: true, template: "Thanks {{client_id}}"}
        """

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
    }

    /// The fixture with the experiment catalog loaded and one run at today's date.
    static func scored() throws -> ScoreCLIDatabase {
        let db = try ScoreCLIDatabase()
        let load = try db.run(["catalog", "load", try db.harness.write("exp.yaml", catalog)])
        #expect(load.status == 0, "\(load.stderr)")
        let score = try db.run(["score", "--as-of", today])
        #expect(score.status == 0, "\(score.stderr)")
        #expect(score.stdout.contains("holdout "), "\(score.stdout)")
        return db
    }

    @Test("holdout: stable across runs and between batch and live; held-out clients get no offers, service messages only")
    func holdout() throws {
        let db = try Self.scored()
        #expect(try db.run(["score", "--as-of", Self.today]).status == 0)
        // The same clients in both runs.
        let runs = try db.psql("SELECT string_agg(run_id::text, ',' ORDER BY run_id) FROM scoring_runs WHERE status IN ('published', 'superseded')")
        let ids = runs.split(separator: ",").map(String.init)
        #expect(ids.count == 2)
        let held = try db.psql("SELECT string_agg(client_id, ',' ORDER BY client_id) FROM client_scores WHERE holdout AND run_id = \(ids[0])")
        #expect(held == (try db.psql("SELECT string_agg(client_id, ',' ORDER BY client_id) FROM client_scores WHERE holdout AND run_id = \(ids[1])")))
        let heldOut = held.split(separator: ",").map(String.init)
        #expect(heldOut.count > 8 && heldOut.count < 30, "\(heldOut.count) of 60 held out at share 0.3")
        // No offer is sent to a held-out client; what they would have got is kept as withheld rows.
        #expect(try db.psql("SELECT count(*) FROM recommendations r JOIN client_scores s USING (run_id, client_id) WHERE s.holdout AND NOT r.holdout AND r.kind = 'offer'") == "0")
        #expect(try Int(db.psql("SELECT count(*) FROM recommendations WHERE holdout AND kind = 'offer'")) ?? 0 > 0)
        // Service messages are sent to them all the same.
        #expect(try Int(db.psql("SELECT count(*) FROM recommendations r JOIN client_scores s USING (run_id, client_id) WHERE s.holdout AND NOT r.holdout AND r.item_id = 'msg-receipt'")) ?? 0 > 0)
        // Export leaves the withheld rows out unless asked.
        let export = try db.run(["export"])
        #expect(!heldOut.contains { id in export.stdout.contains("\(id),") && export.stdout.contains("offer-") && export.stdout.split(separator: "\n").contains { $0.contains(id) && $0.contains(",offer,") } })
        let withHoldout = try db.run(["export", "--include-holdout"])
        #expect(withHoldout.stdout.split(separator: "\n").first?.hasSuffix(",holdout") == true)
        // Live: the same membership, no offers, and what was withheld.
        for id in ["C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008", "C009", "C010", "C011", "C012"] {
            let answer = try Self.json(try db.run(["recommend", id, "--format", "json"]).stdout)
            #expect((answer["holdout"] as? Bool) == heldOut.contains(id), "\(id)")
            if heldOut.contains(id) {
                #expect((answer["offers"] as? [Any])?.isEmpty == true, "\(id)")
                #expect((answer["withheld"] as? [[String: Any]])?.isEmpty == false, "\(id)")
            }
        }
    }

    @Test("explain --run and --decision reproduce a nightly and a live decision byte for byte, and name the changed input after a new purchase")
    func explain() throws {
        let db = try Self.scored()
        let run = try db.psql("SELECT max(run_id) FROM scoring_runs WHERE status = 'published'")
        let client = try db.psql("SELECT min(client_id) FROM recommendations WHERE run_id = \(run) AND kind = 'offer' AND NOT holdout")
        let nightly = try Self.json(try db.run(["explain", "--run", run, client, "--format", "json"]).stdout)
        #expect(nightly["identical"] as? Bool == true, "\(nightly)")
        #expect(nightly["inputs_unchanged"] as? Bool == true)
        #expect((nightly["stored"] as? [Any])?.isEmpty == false)
        #expect(nightly["stored_input_hash"] as? String == (try db.psql("SELECT input_hash FROM client_scores WHERE run_id = \(run) AND client_id = '\(client)'")))
        #expect(try db.psql("SELECT count(DISTINCT (catalog_version, model_version, input_hash)) FROM recommendations WHERE run_id = \(run) AND client_id = '\(client)'") == "1")
        // A live answer, logged (audit.decision_log), replayed.
        let live = try Self.json(try db.run(["recommend", client, "--format", "json"]).stdout)
        let decision = try #require(live["decision_id"] as? Int)
        let replay = try Self.json(try db.run(["explain", "--decision", String(decision), client, "--format", "json"]).stdout)
        #expect(replay["identical"] as? Bool == true, "\(replay)")
        #expect(replay["stored_input_hash"] as? String == live["input_hash"] as? String)
        // The log lists it: who was shown what.
        let log = try db.run(["decisions", client, "--format", "csv"])
        #expect(log.status == 0 && log.stdout.contains("\n\(decision),") && log.stdout.contains(",\(client),"), "\(log.stdout)\(log.stderr)")
        let table = try db.run(["explain", "--run", run, client])
        #expect(table.status == 0 && table.stdout.contains("REPRODUCED"), "\(table.stdout)\(table.stderr)")
        // A purchase recorded after the run but dated before it: the replay names the input.
        try db.psql("""
            INSERT INTO purchases (client_id, purchase_id, product_id, purchased_at, amount)
            VALUES ('\(client)', 'LATE-1', 'P-EXTRA', timestamptz '\(Self.today)' - interval '2 days', 80),
                   ('\(client)', 'NEW-1', 'P-MORE', now() + interval '1 hour', 30)
            """)
        let changed = try Self.json(try db.run(["explain", "--run", run, client, "--format", "json"]).stdout)
        #expect(changed["inputs_unchanged"] as? Bool == false)
        let changes = changed["changed_inputs"] as? [String] ?? []
        #expect(changes.count == 1 && changes[0].hasPrefix("purchases: "), "\(changes)")
        #expect((changed["recorded_since"] as? [String] ?? []).contains { $0.contains("purchase of P-MORE") }, "\(changed)")
        let text = try db.run(["explain", "--run", run, client]).stdout
        #expect(text.contains("changed: purchases:"), "\(text)")
        // Unknown things are clear errors.
        let missing = try db.run(["explain", "--run", "999", client])
        #expect(missing.status != 0 && missing.stderr.contains("run 999"), "\(missing.stderr)")
        let both = try db.run(["explain", client])
        #expect(both.status == 64, "\(both.stderr)")
    }

    @Test("a live request after an exported presentation respects the cooldown")
    func presentationsCountLive() throws {
        let db = try Self.scored()
        let run = try db.psql("SELECT max(run_id) FROM scoring_runs WHERE status = 'published'")
        let client = try db.psql("SELECT min(client_id) FROM recommendations WHERE run_id = \(run) AND item_id = 'offer-more' AND NOT holdout")
        let before = try Self.json(try db.run(["recommend", client, "--format", "json"]).stdout)
        #expect((before["offers"] as? [[String: Any]] ?? []).contains { $0["item"] as? String == "offer-more" }, "\(before)")
        let export = try db.run(["export", "--record-presentations", "--out", db.harness.directory.appendingPathComponent("sent.csv").path])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(try db.psql("SELECT count(*) FROM responses WHERE client_id = '\(client)' AND item_id = 'offer-more' AND outcome = 'presented'") == "1")
        // Twice: each presentation once.
        #expect(try db.run(["export", "--record-presentations", "--out", "/dev/null"]).status == 0)
        #expect(try db.psql("SELECT count(*) FROM responses WHERE client_id = '\(client)' AND item_id = 'offer-more'") == "1")
        let after = try Self.json(try db.run(["recommend", client, "--format", "json", "--explain"]).stdout)
        #expect(!(after["offers"] as? [[String: Any]] ?? []).contains { $0["item"] as? String == "offer-more" }, "\(after)")
        let why = (after["not_recommended"] as? [[String: Any]] ?? []).first { $0["item"] as? String == "offer-more" }
        #expect(why?["check"] as? String == "contact_policy", "\(String(describing: why))")
        let reason: String = (why?["reason"] as? String) ?? ""
        #expect(reason.contains("presented 0 days ago"), "\(String(describing: why))")
    }

    @Test("what-if publishes nothing, and its counts equal a real run with the draft; uplift says too small on a tiny group")
    func whatIfAndTinyUplift() throws {
        let db = try Self.scored()
        let draft = try db.harness.write("draft.yaml", Self.catalog
            .replacingOccurrences(of: "value: 5, repeatable: true", with: "value: 500, repeatable: true")
            .replacingOccurrences(of: "share: 0.3", with: "share: 0.5"))
        let state = "SELECT (SELECT count(*) FROM scoring_runs) || '/' || (SELECT count(*) FROM catalogs) || '/' || (SELECT count(*) FROM recommendations)"
        let before = try db.psql(state)
        let output = try db.run(["what-if", draft, "--format", "json", "--report", db.harness.directory.appendingPathComponent("w.html").path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(try db.psql(state) == before)
        let whatIf = try Self.json(output.stdout)
        let items = whatIf["items"] as? [[String: Any]] ?? []
        var predicted: [String: Int] = [:]
        for item in items where (item["after"] as? Int ?? 0) > 0 { predicted[item["item"] as? String ?? ""] = item["after"] as? Int }
        #expect((whatIf["top_offer_changes"] as? [Any])?.isEmpty == false, "\(whatIf)")
        let html = try String(contentsOfFile: db.harness.directory.appendingPathComponent("w.html").path, encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("Contact load per channel"))
        // The real run with the draft.
        #expect(try db.run(["catalog", "load", draft]).status == 0)
        #expect(try db.run(["score", "--as-of", Self.today]).status == 0)
        let real = try db.psql("""
            SELECT string_agg(item_id || '=' || n, ',' ORDER BY item_id) FROM (
              SELECT item_id, count(*) n FROM recommendations WHERE run_id = (SELECT max(run_id) FROM scoring_runs) AND NOT holdout GROUP BY 1) t
            """)
        #expect(real == predicted.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
        // 60 clients: too small to conclude.
        let uplift = try db.run(["uplift", "--since", Self.today, "--format", "json"])
        #expect(uplift.status == 0, "\(uplift.stderr)")
        let overall = try Self.json(uplift.stdout)["overall"] as? [String: Any]
        #expect(overall?["verdict"] as? String == "too small to conclude", "\(uplift.stdout)")
        #expect(try db.run(["uplift", "--since", Self.today]).stdout.contains("too small to conclude"))
        // No run in the window: the message says what to widen, once, with no second hint.
        let none = try db.run(["uplift", "--since", "2001-01-01", "--until", "2001-02-01"])
        #expect(none.status != 0)
        #expect(none.stderr.contains("widen --since/--until") && !none.stderr.contains("score first"), "\(none.stderr)")
    }

    @Test("uplift recovers an uplift planted by the generator within its interval")
    func upliftRecoversPlantedEffect() throws {
        let harness = try CLIHarness()
        #expect(try harness.run(["migrate"]).status == 0)
        let data = harness.directory.appendingPathComponent("data").path
        #expect(try harness.run(["generate", "--clients", "4000", "--seed", "7", "--end", "2026-01-01", "--out", data]).status == 0)
        for kind in ["clients", "products", "purchases", "events", "interactions", "responses"] {
            let imported = try harness.run(["import", kind, "\(data)/\(kind).csv"])
            #expect(imported.status == 0, "\(imported.stderr)")
        }
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("catalog/examples/financial-advisor.yaml")
        let text = try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "\nsettings:\n", with: "\nholdout: {share: 0.3, salt: \"uplift-test\"}\nsettings:\n")
        #expect(try harness.run(["catalog", "load", try harness.write("c.yaml", text)]).status == 0)
        #expect(try harness.run(["score", "--as-of", "2026-01-01"]).status == 0)
        let recs = harness.directory.appendingPathComponent("recs.csv").path
        #expect(try harness.run(["export", "--include-holdout", "--out", recs]).status == 0)
        let planted = try harness.run(["generate", "--uplift-for", recs, "--uplift", "0.1", "--base-rate", "0.05",
                                       "--from", "2026-01-01", "--days", "60", "--seed", "3", "--out", data])
        #expect(planted.status == 0, "\(planted.stderr)")
        #expect(try harness.run(["import", "purchases", "\(data)/uplift-purchases.csv"]).status == 0)
        let output = try harness.run(["uplift", "--since", "2026-01-01", "--until", "2026-03-02", "--format", "json"])
        #expect(output.status == 0, "\(output.stderr)")
        let items = try Self.json(output.stdout)["items"] as? [[String: Any]] ?? []
        let conclusive = items.filter { ($0["too_small"] as? Bool) == false }
        #expect(conclusive.count >= 3, "\(output.stdout)")
        // Each item's interval is a 95 % interval: most hold the planted 0.1; the largest group must.
        let covering = conclusive.filter { item in
            let interval = item["interval_95"] as? [Double] ?? []
            return interval.count == 2 && interval[0] <= 0.1 && 0.1 <= interval[1]
        }
        #expect(Double(covering.count) >= 0.6 * Double(conclusive.count), "\(output.stdout)")
        let largest = try #require(conclusive.max { ($0["treated"] as? Int ?? 0) < ($1["treated"] as? Int ?? 0) })
        let interval = largest["interval_95"] as? [Double] ?? []
        #expect(interval.count == 2 && interval[0] <= 0.1 && 0.1 <= interval[1] && interval[0] > 0, "\(largest)")
    }
}
