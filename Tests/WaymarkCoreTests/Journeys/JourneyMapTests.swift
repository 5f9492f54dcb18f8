import Foundation
import Testing
@testable import WaymarkCore

/// The journey numbers of a tiny hand-made history, against a count made by hand.
@Suite("Journey map")
struct JourneyMapTests {
    static let day0 = Timestamp(year: 2025, month: 1, day: 1)
    static func d(_ n: Int) -> Timestamp { day0.adding(days: n) }
    static func history(_ pairs: [(Int, LifecycleStage)]) -> [JourneyClient.StageEntry] {
        pairs.map { JourneyClient.StageEntry(at: d($0.0), stage: $0.1.rawValue) }
    }

    /// A: prospect 0 → onboarding 10 → active 100 → at_risk 200 → active 230; buys on days 10, 100, 228.
    /// B: prospect 0 → onboarding 50 → at_risk 150 → lapsed 400; buys on day 50.
    /// C: first recorded active on day 20; buys on day 25.
    static let clients = [
        JourneyClient(cohort: "mass", stages: history([(0, .prospect), (10, .onboarding), (100, .active), (200, .atRisk), (230, .active)]),
                      purchases: [d(10), d(100), d(228)]),
        JourneyClient(cohort: "affluent", stages: history([(0, .prospect), (50, .onboarding), (150, .atRisk), (400, .lapsed)]),
                      purchases: [d(50)]),
        JourneyClient(cohort: "mass", stages: history([(20, .active)]), purchases: [d(25)]),
    ]

    static func map(since: Timestamp? = nil, by: JourneyCohortDimension? = nil) -> JourneyMap {
        var accumulator = JourneyAccumulator(asOf: d(500), since: since, conversionDays: 30, by: by)
        for client in clients { accumulator.add(client) }
        return accumulator.map()
    }

    static func flow(_ map: JourneyMap.Figures, _ from: LifecycleStage, _ to: LifecycleStage) -> Int {
        map.flows.first { $0.from == from.rawValue && $0.to == to.rawValue }?.clients ?? 0
    }

    @Test("flows both ways, entries, exits, now, median days and conversion equal the hand count")
    func handCount() throws {
        let map = Self.map()
        let o = map.overall
        #expect(o.clients == 3)
        #expect(o.changes == 7)
        #expect(Self.flow(o, .prospect, .onboarding) == 2)
        #expect(Self.flow(o, .onboarding, .active) == 1)
        #expect(Self.flow(o, .active, .atRisk) == 1)
        #expect(Self.flow(o, .atRisk, .active) == 1)       // backwards, too
        #expect(Self.flow(o, .onboarding, .atRisk) == 1)
        #expect(Self.flow(o, .atRisk, .lapsed) == 1)
        #expect(o.flows.count == 6)
        #expect(o.flows.first == JourneyMap.Flow(from: "prospect", to: "onboarding", clients: 2))

        #expect(o.stages.map(\.stage) == ["prospect", "onboarding", "active", "at_risk", "lapsed"])
        func stage(_ s: LifecycleStage) throws -> JourneyMap.Stage { try #require(o.stages.first { $0.stage == s.rawValue }) }
        let prospect = try stage(.prospect), onboarding = try stage(.onboarding), active = try stage(.active)
        let atRisk = try stage(.atRisk), lapsed = try stage(.lapsed)
        let exits: Int = o.stages.reduce(0) { $0 + $1.exits }
        // Entries: A and B began as prospects, C as active.
        #expect([prospect.entries, onboarding.entries, active.entries, atRisk.entries, lapsed.entries] as [Int] == [2, 0, 1, 0, 0])
        #expect([prospect.entered, onboarding.entered, active.entered, atRisk.entered, lapsed.entered] as [Int] == [2, 2, 3, 2, 1])
        // Exits: B lapsed from at_risk.
        #expect(atRisk.exits == 1 && exits == 1)
        // Now: A and C active, B lapsed.
        #expect([prospect.now, onboarding.now, active.now, atRisk.now, lapsed.now] as [Int] == [0, 0, 2, 0, 1])
        // Stays that ended: prospect 10 and 50 days, onboarding 90 and 100, active 100 (two open), at_risk 30 and 250.
        #expect(prospect.completedStays == 2 && prospect.medianDays == 30)
        #expect(onboarding.medianDays == 95)
        #expect(active.completedStays == 1 && active.medianDays == 100)
        #expect(atRisk.medianDays == 140)
        #expect(lapsed.completedStays == 0 && lapsed.medianDays == nil)
        // A purchase in (entered, entered + 30 days]: A's prospect stay (day 10), C's active (day 25),
        // A's at_risk (day 228); the purchase that starts onboarding does not convert onboarding.
        #expect(prospect.converted == 1 && prospect.observedStays == 2 && prospect.conversionRate == 0.5)
        #expect(onboarding.converted == 0 && onboarding.observedStays == 2)
        #expect(active.converted == 1 && active.observedStays == 3)
        #expect(atRisk.converted == 1 && atRisk.observedStays == 2)
        #expect(lapsed.converted == 0 && lapsed.observedStays == 1)
    }

    @Test("--since counts only the changes from that day on; a stay whose window is not over is not observed")
    func since() throws {
        let map = Self.map(since: Self.d(150))
        #expect(map.setup.since == Self.d(150).isoDate)
        #expect(map.overall.changes == 4)   // B → at_risk (150), A → at_risk (200), A → active (230), B → lapsed (400)
        #expect(map.overall.stages.allSatisfy { $0.entries == 0 })
        let moves: Int = map.overall.flows.map(\.clients).reduce(0, +)
        #expect(moves == 4)
        var late = JourneyAccumulator(asOf: Self.d(410), conversionDays: 30)
        for client in Self.clients { late.add(client) }
        let lapsed = try #require(late.map().overall.stages.first { $0.stage == "lapsed" })
        #expect(lapsed.entered == 1 && lapsed.observedStays == 0 && lapsed.conversionRate == nil)
        // Nothing after the as-of moment: at day 120, A is active and B onboarding.
        var early = JourneyAccumulator(asOf: Self.d(120))
        for client in Self.clients { early.add(client) }
        let now = early.map().overall.stages.filter { $0.now > 0 }.map { "\($0.stage)=\($0.now)" }
        #expect(now == ["onboarding=1", "active=2"])
    }

    @Test("cohorts split the same counts; the largest first; a table and JSON for programs")
    func cohorts() throws {
        let map = Self.map(by: .segment)
        #expect(map.cohorts.map(\.name) == ["mass", "affluent"])
        #expect(map.cohorts.map(\.figures.clients) == [2, 1])
        #expect(map.cohorts.map(\.figures.changes) == [4, 3])
        #expect(Self.flow(map.cohorts[1].figures, .atRisk, .lapsed) == 1)
        let table = map.table()
        #expect(table.contains("Journeys as of 2026-05-16: 3 clients, 7 changes of stage"))
        #expect(table.contains("segment mass: 2 clients, 4 changes"))
        let json = String(decoding: try JSONEncoder().encode(map), as: UTF8.self)
        #expect(json.contains(#""conversion_rate":0.5"#))
        #expect(json.contains(#""median_days":null"#))
        #expect(try JSONDecoder().decode(JourneyMap.self, from: Data(json.utf8)) == map)
    }
}
