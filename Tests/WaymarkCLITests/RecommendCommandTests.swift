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
}
