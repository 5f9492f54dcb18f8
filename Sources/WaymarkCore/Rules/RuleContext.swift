/// The contract between the rule language and the client facts.
///
/// The rule language (parser, type checker, compiled evaluator) reads a client only through
/// `RuleContext`; the facts computed from a client snapshot implement it. Names here are the
/// names a catalog author writes in a `when` rule, and docs/catalog.md documents each one.

/// A value a rule expression produces or reads.
package enum RuleValue: Sendable, Hashable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case list([RuleValue])
    /// A value that is not known (an unset attribute, an unknown birth date). Every comparison
    /// with `null` except `== null` / `!= null` is false.
    case null
}

/// The static type of a fact, a function parameter or an expression.
package indirect enum RuleType: Sendable, Hashable, CustomStringConvertible {
    case int, double, string, bool
    case list(RuleType)
    /// A value whose type is only known at run time (custom attributes).
    case dyn
    /// A map from names to `dyn` values, reached with member access (`attributes.vip`).
    case map

    package var description: String {
        switch self {
        case .int: "int"
        case .double: "double"
        case .string: "string"
        case .bool: "bool"
        case .list(let element): "list<\(element)>"
        case .dyn: "dyn"
        case .map: "map"
        }
    }
}

/// Every fact a rule can name. The raw value is the name used in rules.
package enum Fact: String, CaseIterable, Sendable {
    case age                          // int: years at as_of; null when the birth date is unknown
    case tenureDays = "tenure_days"   // int: days since the client was first seen
    case stage                        // string: lifecycle stage (prospect, onboarding, active, loyal, at_risk, lapsed, reactivated)
    case previousStage = "previous_stage" // string: the stage before the current one ("" when none)
    case daysInStage = "days_in_stage"    // int
    case purchaseCount = "purchase_count" // int
    case totalSpend = "total_spend"       // double: sum of purchase amounts
    case averageSpend = "average_spend"   // double: 0 when no purchase
    case daysSinceFirstPurchase = "days_since_first_purchase" // int: null when no purchase
    case daysSinceLastPurchase = "days_since_last_purchase"   // int: null when no purchase
    case recencyScore = "recency_score"       // int 1...5 (5 = most recent quintile), 0 when no purchase
    case frequencyScore = "frequency_score"   // int 1...5
    case monetaryScore = "monetary_score"     // int 1...5
    case pAlive = "p_alive"                   // double 0...1
    case expectedPurchases90d = "expected_purchases_90d" // double
    case clv12m = "clv_12m"                   // double: expected spend over the next 12 months
    case tier                                 // string: loyalty tier ("" when the catalog has none)
    case nextTier = "next_tier"               // string: "" at the top tier
    case points                               // int: loyalty points balance (redeemable)
    case qualifyingPoints = "qualifying_points" // int: points that count towards the tier
    case pointsExpiring30d = "points_expiring_30d" // int: points_expiring_within(30), for templates
    case pointsToNextTier = "points_to_next_tier" // int: 0 at the top tier
    case ownedProducts = "owned_products"     // list<string>
    case ownedCategories = "owned_categories" // list<string>
    case recentCategories = "recent_categories" // list<string>: categories bought in the last 90 days
    case lifeEvents = "life_events"           // list<string>: kinds of the client's life events, any age
    case interactions90d = "interactions_90d" // int: interactions in all channels, last 90 days
    case advocate                             // bool: referred someone or wrote a review
    case consents                             // list<string>: channels the client consented to
    case doNotContact = "do_not_contact"      // bool
    case segment                              // string
    case region                               // string
    case accountId = "account_id"             // string: household or business account ("" when none)
    case role                                 // string: role in the account ("" when none)
    case accountMembers = "account.members"   // int: members of the account, the client included (1 when none)
    case accountRole = "account.role"         // string: the client's role in the account (as `role`)
    case accountRoles = "account.roles"       // list<string>: the distinct roles of the account's members
    case accountTotalSpend = "account.total_spend" // double: every member's spend summed
    case accountStages = "account.stages"     // list<string>: the members' stages (others: last recorded)
    case accountOwnedProducts = "account.owned_products"     // list<string>: products any member owns
    case accountOwnedCategories = "account.owned_categories" // list<string>: categories any member owns
    case attributes                           // map: custom attributes, `attributes.vip`

    /// The static type of the fact.
    package var type: RuleType {
        switch self {
        case .age, .tenureDays, .daysInStage, .purchaseCount, .daysSinceFirstPurchase,
             .daysSinceLastPurchase, .recencyScore, .frequencyScore, .monetaryScore,
             .points, .qualifyingPoints, .pointsExpiring30d, .pointsToNextTier, .interactions90d, .accountMembers:
            .int
        case .totalSpend, .averageSpend, .pAlive, .expectedPurchases90d, .clv12m, .accountTotalSpend:
            .double
        case .stage, .previousStage, .tier, .nextTier, .segment, .region, .accountId, .role, .accountRole:
            .string
        case .advocate, .doNotContact:
            .bool
        case .ownedProducts, .ownedCategories, .recentCategories, .lifeEvents, .consents, .accountRoles, .accountStages,
             .accountOwnedProducts, .accountOwnedCategories:
            .list(.string)
        case .attributes:
            .map
        }
    }
}

/// What a compiled rule reads from one client. Implemented by the client facts.
///
/// Functions of the rule language map one to one onto the timeline queries below:
/// `owns(p)`, `owns_category(c)`, `bought_within(product_or_category, days)`,
/// `event_within(kind, days)`, `interactions_within(channel, days)`, `consent(channel)`,
/// `days_since_purchase(product_or_category)`, `days_since_event(kind)`,
/// `responded_within(item_id, outcome, days)`, `account.owns(p)`, `account.owns_category(c)`.
package protocol RuleContext {
    /// The value of a plain fact.
    func value(of fact: Fact) -> RuleValue
    /// A custom attribute (`attributes.NAME`), `.null` when unset.
    func attribute(_ name: String) -> RuleValue
    func owns(product: String) -> Bool
    func ownsCategory(_ category: String) -> Bool
    /// Whether the client or another member of its account owns the product.
    func accountOwns(product: String) -> Bool
    /// Whether the client or another member of its account owns a product of the category.
    func accountOwnsCategory(_ category: String) -> Bool
    /// Whether a purchase of the product, or of any product of the category, happened within
    /// the last `days` days before as_of.
    func boughtWithin(_ productOrCategory: String, days: Int) -> Bool
    /// Whether a life event of this kind happened within the last `days` days before as_of.
    func eventWithin(_ kind: String, days: Int) -> Bool
    /// Interactions in the channel within the last `days` days (`"any"` counts every channel).
    func interactionsWithin(_ channel: String, days: Int) -> Int
    /// Redeemable points that expire within the next `days` days after as_of.
    func pointsExpiringWithin(days: Int) -> Int
    func consent(_ channel: String) -> Bool
    /// Days since the last purchase of the product or category; nil when never.
    func daysSincePurchase(_ productOrCategory: String) -> Int?
    /// Days since the last life event of this kind; nil when never.
    func daysSinceEvent(_ kind: String) -> Int?
    /// Whether the client gave this outcome (`accepted`, `declined`, `presented`, `any`)
    /// to the item within the last `days` days.
    func respondedWithin(_ itemID: String, outcome: String, days: Int) -> Bool

    // The same queries by a literal's precomputed key (defaults forward to the `String` ones).
    func owns(product: RuleKey) -> Bool
    func ownsCategory(_ category: RuleKey) -> Bool
    func boughtWithin(_ productOrCategory: RuleKey, days: Int) -> Bool
    func eventWithin(_ kind: RuleKey, days: Int) -> Bool
    func daysSincePurchase(_ productOrCategory: RuleKey) -> Int?
    func daysSinceEvent(_ kind: RuleKey) -> Int?
    func respondedWithin(_ itemID: RuleKey, outcome: String, days: Int) -> Bool
}

/// A literal string argument of a timeline function, with its look-up fingerprint.
///
/// The rule compiler builds one per literal product, category, event kind or item id (as in
/// `owns("fund-index")`), so a context that indexes its strings by `SmallKeys.fingerprint`
/// probes its table directly instead of fingerprinting the text on every evaluation.
package struct RuleKey: Sendable, Hashable {
    /// The literal text.
    package let text: String
    /// `SmallKeys.fingerprint(text)`, computed once.
    package let fingerprint: UInt64

    package init(_ text: String) {
        self.text = text
        fingerprint = SmallKeys.fingerprint(text)
    }
}

/// Queries by a precomputed `RuleKey`, used for literal arguments.
///
/// Each requirement has a default implementation that forwards to the `String` query, so a
/// conformer only implements the ones it can answer faster.
extension RuleContext {
    package func owns(product: RuleKey) -> Bool { owns(product: product.text) }
    package func ownsCategory(_ category: RuleKey) -> Bool { ownsCategory(category.text) }
    package func boughtWithin(_ productOrCategory: RuleKey, days: Int) -> Bool {
        boughtWithin(productOrCategory.text, days: days)
    }
    package func eventWithin(_ kind: RuleKey, days: Int) -> Bool { eventWithin(kind.text, days: days) }
    package func daysSincePurchase(_ productOrCategory: RuleKey) -> Int? { daysSincePurchase(productOrCategory.text) }
    package func daysSinceEvent(_ kind: RuleKey) -> Int? { daysSinceEvent(kind.text) }
    package func respondedWithin(_ itemID: RuleKey, outcome: String, days: Int) -> Bool {
        respondedWithin(itemID.text, outcome: outcome, days: days)
    }
}
