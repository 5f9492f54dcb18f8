import Foundation
import Testing

/// What an advisor and an operator see (issue 15): the channel filter before ranking, runs
/// prune, "not yet a client", malformed ids and `--top 0`.
@Suite("waymark: the advisor's and operator's view (binary)", .serialized)
struct UserViewCLITests {
    static let channelCatalog = """
        version: "channels-1"
        items:
          - { id: offer-phone, kind: offer, title: Call us, category: extra, channels: [phone], value: 1000 }
          - { id: offer-web, kind: offer, title: On the web, category: more, channels: [web], value: 10 }
        """

    /// A client with four consents and a catalog where a phone-only offer outranks a web one.
    static func channelDatabase() throws -> ScoreCLIDatabase {
        let db = try ScoreCLIDatabase()
        try db.psql("INSERT INTO clients (client_id, first_seen, consents) VALUES ('W1', '2024-01-01', '{email,web,phone,app}')")
        let load = try db.run(["catalog", "load", try db.harness.write("channels.yaml", channelCatalog)])
        #expect(load.status == 0, "\(load.stderr)")
        return db
    }

    @Test("recommend --channel web --top 1 ranks among web items; --explain lists the real consents")
    func channelFilterBeforeRanking() throws {
        let db = try Self.channelDatabase()
        let all = try db.run(["recommend", "W1", "--top", "1", "--as-of", "2025-06-01", "--format", "json"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains(#""item":"offer-phone""#))
        let web = try db.run(["recommend", "W1", "--channel", "web", "--top", "1", "--as-of", "2025-06-01", "--explain"])
        #expect(web.status == 0, "\(web.stderr)")
        #expect(web.stdout.contains("1. offer-web because:"), "\(web.stdout)")
        #expect(web.stdout.contains("not on the requested channel web: the item goes out on phone"), "\(web.stdout)")
        #expect(!web.stdout.contains("client consents: none"))
        let sms = try db.run(["recommend", "W1", "--channel", "sms", "--as-of", "2025-06-01", "--explain"])
        #expect(sms.stdout.contains("not on the requested channel sms"), "\(sms.stdout)")
        // offer-web has no sms either; with email requested, the consents are the client's four.
        let mail = try db.run(["catalog", "load", try db.harness.write("mail.yaml", """
            version: "channels-2"
            items:
              - { id: offer-sms, kind: offer, title: Text, category: extra, channels: [sms, email], value: 5 }
            """)])
        #expect(mail.status == 0, "\(mail.stderr)")
        let refused = try db.run(["recommend", "W1", "--channel", "sms", "--as-of", "2025-06-01", "--explain"])
        #expect(refused.stdout.contains("client consents: web, email, phone, app"), "\(refused.stdout)")
    }

    @Test("runs prune --keep 2 keeps two of three runs, says what it keeps and drops; --dry-run changes nothing")
    func runsPrune() throws {
        let db = try ScoreCLIDatabase()
        for _ in 0..<3 { #expect(try db.run(["score", "--as-of", "2025-06-01"]).status == 0) }
        let ids = try db.psql("SELECT string_agg(run_id::text, ',' ORDER BY run_id) FROM scoring_runs").split(separator: ",").map(String.init)
        #expect(ids.count == 3)
        let dry = try db.run(["runs", "prune", "--keep", "2", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout == "would keep 2 runs: \(ids[2]), \(ids[1])\nwould drop 1 run: \(ids[0])\ndry run: nothing was changed\n")
        #expect(try db.psql("SELECT count(*) FROM scoring_runs") == "3")
        let pruned = try db.run(["runs", "prune", "--keep", "2"])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout == "keeping 2 runs: \(ids[2]), \(ids[1])\ndropping 1 run: \(ids[0])\npruned 1 run: \(ids[0])\n")
        #expect(try db.psql("SELECT count(*) FROM scoring_runs") == "2")
    }

    @Test("recommend --as-of before first_seen answers 'not yet a client' (no stage, no offers)")
    func notYetAClient() throws {
        let db = try Self.channelDatabase()
        let before = try db.run(["recommend", "W1", "--as-of", "2023-06-01"])
        #expect(before.status == 1)
        #expect(before.stdout.isEmpty, "\(before.stdout)")
        #expect(before.stderr.contains("'W1' was not yet a client on 2023-06-01 (first seen 2024-01-01): no stage, no offers"), "\(before.stderr)")
        let after = try db.run(["recommend", "W1", "--as-of", "2024-01-01"])
        #expect(after.status == 0, "\(after.stderr)")
    }

    @Test("a malformed client id is invalid input (exit 2, the id rule), as the server says; --top 0 means messages only, --top 101 is refused")
    func malformedIDsAndTopZero() throws {
        let db = try Self.channelDatabase()
        for command in ["recommend", "profile"] {
            let bad = try db.run([command, "W 1"])
            #expect(bad.status == 2, "\(command): \(bad.stderr)")
            #expect(bad.stderr.contains("malformed client id 'W 1': expected an id: 1 to 64 of A-Z a-z 0-9 _ - . : @"), "\(bad.stderr)")
        }
        let zero = try db.run(["recommend", "W1", "--top", "0", "--as-of", "2025-06-01", "--format", "json"])
        #expect(zero.status == 0, "\(zero.stderr)")
        #expect(zero.stdout.contains(#""offers":[]"#), "\(zero.stdout)")
        let tooMany = try db.run(["recommend", "W1", "--top", "101"])
        #expect(tooMany.status == 64)
        #expect(tooMany.stderr.contains("--top must be from 0 to 100"), "\(tooMany.stderr)")
    }
}
