import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkLifetime

// MARK: - Scoring one client

enum EngineBenchmark {
    /// The scoring cases, for `--only`.
    enum CaseName: String, ExpressibleByArgument, CaseIterable {
        case recommend, facts, scoring, explain, learned, grocery
    }

    struct Case: Encodable {
        var name: String
        var medianMicroseconds: Double
        var p90Microseconds: Double
        var p99Microseconds: Double
        var meanMicroseconds: Double
        enum CodingKeys: String, CodingKey {
            case name
            case medianMicroseconds = "median_us", p90Microseconds = "p90_us", p99Microseconds = "p99_us", meanMicroseconds = "mean_us"
        }
    }

    struct Report: Encodable {
        var purchases: Int
        var lifeEvents: Int
        var interactions: Int
        var responses: Int
        var catalogItems: Int
        var offers: Int
        var messages: Int
        var stage: String
        var recommendedOffers: [String]
        var recommendedMessages: [String]
        var iterations: Int
        var warmup: Int
        /// `recommend` (the figure of the target, named ``EngineBenchmark/headline``) first.
        var cases: [Case]
        var targetMedianMicroseconds: Double
        /// Whether the median of `recommend` is within the target; nil when it was not timed (`--only`).
        var meetsTarget: Bool?
        /// The learned propensity at 50 items (≤ 20 µs) and at 500 items (≤ 100 µs); nil when not timed.
        var learnedMeetsTarget: Bool?
        var groceryMeetsTarget: Bool?
        enum CodingKeys: String, CodingKey {
            case purchases, interactions, responses, offers, messages, stage, iterations, warmup, cases
            case lifeEvents = "life_events", catalogItems = "catalog_items"
            case recommendedOffers = "recommended_offers", recommendedMessages = "recommended_messages"
            case targetMedianMicroseconds = "target_median_us", meetsTarget = "meets_target"
            case learnedMeetsTarget = "learned_meets_target", groceryMeetsTarget = "grocery_500_meets_target"
        }
    }

    static let targetMedianMicroseconds = 20.0
    /// With the learned propensity: 50 items within the same 20 µs, 500 items within 100 µs.
    static let learnedHeadline = "recommend, learned propensity (50 items)"
    static let groceryHeadline = "recommend, learned propensity (500 items)"
    static let groceryTargetMicroseconds = 100.0
    /// The case the target is about.
    static let headline = "recommend (facts + scoring + text)"

    static func run(iterations: Int, only: CaseName? = nil) throws -> Report {
        let fixture = try EngineBenchmarkFixture()
        let engine = fixture.engine
        let snapshot = fixture.snapshot
        let asOf = fixture.asOf
        let warmup = max(1_000, iterations / 10)
        let explain = RecommendOptions(explainRejections: true)

        let sample = engine.recommend(for: snapshot, asOf: asOf)
        let facts = engine.facts(for: snapshot, asOf: asOf)
        var sink = 0
        var cases: [Case] = []
        for name in only.map({ [$0] }) ?? CaseName.allCases {
            switch name {
            case .recommend:
                cases.append(measure(headline, iterations: iterations, warmup: warmup) {
                    sink &+= engine.recommend(for: snapshot, asOf: asOf).offers.count
                })
            case .facts:
                cases.append(measure("facts only", iterations: iterations, warmup: warmup) {
                    sink &+= engine.facts(for: snapshot, asOf: asOf).purchaseCount
                })
            case .scoring:
                cases.append(measure("scoring only (facts given)", iterations: iterations, warmup: warmup) {
                    sink &+= engine.recommend(facts: facts).offers.count
                })
            case .learned:
                let learned = fixture.learnedEngine
                cases.append(measure(learnedHeadline, iterations: iterations, warmup: warmup) {
                    sink &+= learned.recommend(for: snapshot, asOf: asOf).offers.count
                })
            case .grocery:
                let grocery = try EngineBenchmarkFixture.Grocery()
                cases.append(measure(groceryHeadline, iterations: iterations, warmup: warmup) {
                    sink &+= grocery.engine.recommend(for: grocery.snapshot, asOf: asOf).offers.count
                })
            case .explain:
                cases.append(measure("recommend, explaining rejections", iterations: iterations, warmup: warmup) {
                    sink &+= engine.recommend(for: snapshot, asOf: asOf, options: explain).notRecommended.count
                })
            }
        }
        if sink == Int.min { print(sink) } // keeps the results alive
        return Report(
            purchases: snapshot.purchases.count, lifeEvents: snapshot.lifeEvents.count,
            interactions: snapshot.interactions.count, responses: snapshot.responses.count,
            catalogItems: engine.catalog.items.count, offers: engine.catalog.offers.count, messages: engine.catalog.messages.count,
            stage: sample.scores.stage.rawValue,
            recommendedOffers: sample.offers.map(\.itemID), recommendedMessages: sample.messages.map(\.itemID),
            iterations: iterations, warmup: warmup, cases: cases,
            targetMedianMicroseconds: targetMedianMicroseconds,
            meetsTarget: cases.first { $0.name == headline }.map { $0.medianMicroseconds <= targetMedianMicroseconds },
            learnedMeetsTarget: cases.first { $0.name == learnedHeadline }.map { $0.medianMicroseconds <= targetMedianMicroseconds },
            groceryMeetsTarget: cases.first { $0.name == groceryHeadline }.map { $0.medianMicroseconds <= groceryTargetMicroseconds })
    }

    /// Runs `body` `warmup` times, then times each of `iterations` calls on its own.
    static func measure(_ name: String, iterations: Int, warmup: Int, _ body: () -> Void) -> Case {
        for _ in 0..<warmup { body() }
        let clock = ContinuousClock()
        var nanoseconds = [Int64](repeating: 0, count: iterations)
        for index in 0..<iterations {
            let start = clock.now
            body()
            let elapsed = start.duration(to: clock.now)
            nanoseconds[index] = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        }
        nanoseconds.sort()
        func quantile(_ q: Double) -> Double {
            let index = min(nanoseconds.count - 1, max(0, Int((q * Double(nanoseconds.count)).rounded(.up)) - 1))
            return Double(nanoseconds[index]) / 1_000
        }
        let middle = nanoseconds.count / 2
        let median = nanoseconds.count % 2 == 1
            ? Double(nanoseconds[middle]) / 1_000
            : Double(nanoseconds[middle - 1] + nanoseconds[middle]) / 2_000
        let mean = Double(nanoseconds.reduce(0, +)) / Double(nanoseconds.count) / 1_000
        return Case(name: name, medianMicroseconds: median, p90Microseconds: quantile(0.90),
                    p99Microseconds: quantile(0.99), meanMicroseconds: mean)
    }
}

