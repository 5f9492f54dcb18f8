import Foundation
import Testing
import WaymarkCore
@testable import WaymarkStore

@Suite("Runs: stored models")
struct RunsStoredModelsTests {
    /// Models as a run stored them before the owned-set counts existed.
    static let oldJSON = """
        {"acceptance": [{"failures": 3, "item": "offer-pension", "stage": "active", "successes": 1}],
         "affinity": {"max_lift": 8, "min_lift": 0.25, "smoothing": 20,
                      "transitions": {"investment": {"pension": 30, "mortgage": 30}, "savings": {"investment": 50}}},
         "rfm": {"frequency": [1, 2, 4, 8], "monetary": [50, 200, 500, 2000], "recency_days": [30, 90, 180, 365]},
         "time_unit_days": 7}
        """

    @Test("models stored before the owned-set counts decode, and the engine falls back to the newest category")
    func oldModelsDecode() throws {
        let stored = try JSONDecoder().decode(StoredModels.self, from: Data(Self.oldJSON.utf8))
        #expect(stored.affinity.ownedSets == nil)
        #expect(stored.affinity.ownedSmoothing == nil)
        #expect(stored.affinity.transitions["savings"] == ["investment": 50])
        let model = stored.fittedModels.affinity
        #expect(model.nextAfterOwned.isEmpty)
        #expect(model.ownedSmoothing == AffinityModel().ownedSmoothing)
        let recent = ["investment", "savings"]
        #expect(model.lift(of: "pension", after: recent, owning: ["savings", "investment"]) == model.lift(of: "pension", after: recent))
        #expect(model.lift(of: "pension", after: recent) > 1)
        // Written again, it still has no owned sets (nil is left out, not written as null).
        let json = try #require(String(data: try JSONEncoder.sorted.encode(stored), encoding: .utf8))
        #expect(!json.contains("owned_sets"))
    }

    @Test("owned-set counts round-trip through JSON into the engine's model")
    func ownedSetsRoundTrip() throws {
        var acc = AffinityModel.Accumulator()
        for _ in 0..<40 { acc.add(categories: ["savings", "investment", "pension", "savings"]) }
        for _ in 0..<25 { acc.add(categories: ["insurance", "investment", "mortgage"]) }
        let fitted = acc.finish()
        let stored = StoredModels(
            timeUnitDays: 7, lifetime: nil, spend: nil,
            rfm: StoredModels.RFM(recencyDays: [30, 90, 180, 365], frequency: [1, 2, 4, 8], monetary: [50, 200, 500, 2000]),
            affinity: StoredModels.Affinity(
                transitions: fitted.transitions, smoothing: fitted.smoothing, minLift: fitted.minLift, maxLift: fitted.maxLift,
                ownedSets: fitted.nextAfterOwned.map { StoredModels.OwnedSet(owned: $0.key, next: $0.value) }
                    .sorted { $0.owned.lexicographicallyPrecedes($1.owned) },
                ownedSmoothing: 12),
            acceptance: [])
        let json = try JSONEncoder.sorted.encode(stored)
        #expect(String(decoding: json, as: UTF8.self).contains(#"{"next":{"investment":40},"owned":["savings"]}"#))
        let decoded = try JSONDecoder().decode(StoredModels.self, from: json)
        #expect(decoded == stored)
        let model = decoded.fittedModels.affinity
        #expect(model.nextAfterOwned == fitted.nextAfterOwned)
        #expect(model.ownedTotals == fitted.ownedTotals)
        #expect(model.ownedSmoothing == 12)
        #expect(model.lift(of: "pension", after: ["investment", "savings"], owning: ["investment", "savings"])
                > model.lift(of: "pension", after: ["investment", "savings"]))
    }
}
