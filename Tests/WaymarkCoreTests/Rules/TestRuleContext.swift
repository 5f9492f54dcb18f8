import WaymarkCore

/// A client for rule tests: plain dictionaries behind the `RuleContext` queries, plus a log of
/// the timeline queries asked (to observe short-circuit evaluation).
struct TestRuleContext: RuleContext {
    final class CallLog {
        var calls: [String] = []
    }

    var facts: [Fact: RuleValue] = [:]
    var attributes: [String: RuleValue] = [:]
    var products: Set<String> = []
    var categories: Set<String> = []
    /// What the other members of the client's account own.
    var accountProducts: Set<String> = []
    var accountCategories: Set<String> = []
    /// Days since the last purchase, by product id and by category.
    var purchases: [String: Int] = [:]
    /// Days since the last life event, by kind.
    var events: [String: Int] = [:]
    /// Days ago of each interaction, by channel.
    var interactions: [String: [Int]] = [:]
    var consents: Set<String> = []
    /// What `points_expiring_within` answers, whatever the days.
    var expiringPoints = 0
    /// (item id, outcome, days ago).
    var responses: [(item: String, outcome: String, daysAgo: Int)] = []
    let log = CallLog()

    func value(of fact: Fact) -> RuleValue {
        log.calls.append(fact.rawValue)
        return facts[fact] ?? .null
    }

    func attribute(_ name: String) -> RuleValue {
        log.calls.append("attributes.\(name)")
        return attributes[name] ?? .null
    }

    func owns(product: String) -> Bool {
        log.calls.append("owns(\(product))")
        return products.contains(product)
    }

    func ownsCategory(_ category: String) -> Bool {
        log.calls.append("owns_category(\(category))")
        return categories.contains(category)
    }

    func accountOwns(product: String) -> Bool {
        log.calls.append("account.owns(\(product))")
        return products.contains(product) || accountProducts.contains(product)
    }

    func accountOwnsCategory(_ category: String) -> Bool {
        log.calls.append("account.owns_category(\(category))")
        return categories.contains(category) || accountCategories.contains(category)
    }

    func boughtWithin(_ productOrCategory: String, days: Int) -> Bool {
        log.calls.append("bought_within(\(productOrCategory), \(days))")
        return purchases[productOrCategory].map { $0 <= days } ?? false
    }

    func eventWithin(_ kind: String, days: Int) -> Bool {
        log.calls.append("event_within(\(kind), \(days))")
        return events[kind].map { $0 <= days } ?? false
    }

    func pointsExpiringWithin(days: Int) -> Int { expiringPoints }

    func interactionsWithin(_ channel: String, days: Int) -> Int {
        log.calls.append("interactions_within(\(channel), \(days))")
        let relevant = channel == "any" ? interactions.values.flatMap { $0 } : interactions[channel] ?? []
        return relevant.filter { $0 <= days }.count
    }

    func consent(_ channel: String) -> Bool {
        log.calls.append("consent(\(channel))")
        return consents.contains(channel)
    }

    func daysSincePurchase(_ productOrCategory: String) -> Int? {
        log.calls.append("days_since_purchase(\(productOrCategory))")
        return purchases[productOrCategory]
    }

    func daysSinceEvent(_ kind: String) -> Int? {
        log.calls.append("days_since_event(\(kind))")
        return events[kind]
    }

    func respondedWithin(_ itemID: String, outcome: String, days: Int) -> Bool {
        log.calls.append("responded_within(\(itemID), \(outcome), \(days))")
        return responses.contains { $0.item == itemID && (outcome == "any" || $0.outcome == outcome) && $0.daysAgo <= days }
    }

    /// A typical active client with an investment fund, a recent child and email consent.
    static var sample: TestRuleContext {
        var context = TestRuleContext()
        context.facts = [
            .age: .int(34), .tenureDays: .int(800), .stage: .string("active"), .previousStage: .string("onboarding"),
            .daysInStage: .int(120), .purchaseCount: .int(3), .totalSpend: .double(4500.5), .averageSpend: .double(1500.1666),
            .daysSinceFirstPurchase: .int(700), .daysSinceLastPurchase: .int(40), .recencyScore: .int(4),
            .frequencyScore: .int(3), .monetaryScore: .int(4), .pAlive: .double(0.82), .expectedPurchases90d: .double(0.7),
            .clv12m: .double(1200.0), .tier: .string("silver"), .nextTier: .string("gold"), .points: .int(880),
            .pointsToNextTier: .int(120), .ownedProducts: .list([.string("fund-index"), .string("savings-plus")]),
            .ownedCategories: .list([.string("investments"), .string("savings")]),
            .recentCategories: .list([.string("investments")]), .lifeEvents: .list([.string("child_born"), .string("marriage")]),
            .interactions90d: .int(5), .advocate: .bool(false), .consents: .list([.string("email"), .string("phone")]),
            .doNotContact: .bool(false), .segment: .string("mass_affluent"), .region: .string("north"),
            .accountId: .string("hh-17"), .role: .string("decision_maker"),
        ]
        context.attributes = ["vip": .bool(true), "branch": .int(42), "risk_profile": .string("balanced"), "score": .double(7.5)]
        context.products = ["fund-index", "savings-plus"]
        context.categories = ["investments", "savings"]
        context.purchases = ["fund-index": 40, "investments": 40, "savings-plus": 400, "savings": 400]
        context.events = ["child_born": 60, "marriage": 900]
        context.interactions = ["email": [3, 20, 45], "phone": [10], "web": [100]]
        context.consents = ["email", "phone"]
        context.responses = [("life-cover", "declined", 30), ("tax-review", "presented", 5)]
        return context
    }
}
