import Testing
@testable import WaymarkCore

/// "In the last N days" means the same in every fact and rule function: at most N whole days
/// before as_of, as `days_since_purchase` and `days_since_event` count them.
@Suite struct WithinDaysTests {
    /// A client with one of everything at `seconds` before as_of.
    static func facts(secondsBefore seconds: Int64) -> ClientFacts {
        let at = Timestamp(seconds: Fixture.asOf.seconds - seconds)
        let purchase = Purchase(productID: "fund-index", category: "investment", at: at, amountCents: 10_000)
        let snapshot = Fixture.client(
            "C1", firstSeen: -2000, purchases: [purchase], events: [LifeEvent(kind: "marriage", at: at)],
            interactions: [Interaction(channel: .email, kind: "open", at: at)],
            responses: [Response(itemID: "offer-will", channel: .email, presentedAt: Timestamp(seconds: at.seconds - 60),
                                 outcome: .declined, respondedAt: at)])
        return ClientFacts(snapshot: snapshot, asOf: Fixture.asOf)
    }

    /// Every "within" answer of `facts` for `days`, named.
    static func answers(_ facts: ClientFacts, days: Int) throws -> [String: Bool] {
        var answers: [String: Bool] = [
            "bought_within": facts.boughtWithin("investment", days: days),
            "event_within": facts.eventWithin("marriage", days: days),
            "interactions_within": facts.interactionsWithin("email", days: days) == 1,
            "interactions_within any": facts.interactionsWithin("any", days: days) == 1,
            "responded_within": facts.respondedWithin("offer-will", outcome: "declined", days: days),
            "days_since_purchase": facts.daysSincePurchase("investment")! <= days,
            "days_since_event": facts.daysSinceEvent("marriage")! <= days,
        ]
        for (name, rule) in [
            ("rule bought_within", #"bought_within("investment", \#(days))"#),
            ("rule interactions_within", #"interactions_within("email", \#(days)) == 1"#),
            ("rule responded_within", #"responded_within("offer-will", "declined", \#(days))"#),
        ] {
            answers[name] = try RuleCompiler.compile(rule).evaluate(facts)
        }
        if days == 90 {
            answers["interactions_90d"] = facts.value(of: .interactions90d) == .int(1)
            answers["recent_categories"] = facts.value(of: .recentCategories) == .list([.string("investment")])
        }
        return answers
    }

    @Test(arguments: [30, 90, 180])
    func everyWithinAgreesAtTheBoundary(days: Int) throws {
        let day = Timestamp.secondsPerDay
        let n = Int64(days)
        for (seconds, within) in [(n * day - 1, true), (n * day, true), (n * day + 5 * 3600, true), ((n + 1) * day - 1, true),
                                  ((n + 1) * day, false), ((n + 2) * day, false)] {
            for (name, answer) in try Self.answers(Self.facts(secondsBefore: seconds), days: days) {
                #expect(answer == within, "\(name) for \(days) days, \(seconds) s before as_of")
            }
        }
    }

    /// A rule may name any non-negative number of days: a huge one is "ever", never a trap.
    @Test func hugeDaysMeanEver() throws {
        let facts = Self.facts(secondsBefore: 400 * Timestamp.secondsPerDay)
        for days in [Int.max, Int.max / 2, Int(Int64.max / Timestamp.secondsPerDay) + 1, 1 << 40] {
            for (name, answer) in try Self.answers(facts, days: days) {
                #expect(answer, "\(name) for \(days) days")
            }
            #expect(facts.pointsExpiringWithin(days: days) == 0)
        }
        #expect(try RuleCompiler.compile("points_expiring_within(9223372036854775807) == 0").evaluate(facts))
        #expect(Fixture.asOf.adding(days: Int.max) == Timestamp(seconds: .max))
        #expect(Fixture.asOf.adding(days: -Int.max) == Timestamp(seconds: .min))
    }
}
