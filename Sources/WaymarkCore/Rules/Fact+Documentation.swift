extension Fact {
    /// Whether the fact is one of the account's (`account.NAME`): rules read it; message
    /// templates do not (a dotted name is a nested look-up in Mustache).
    package var isAccountFact: Bool { rawValue.hasPrefix("account.") }

    /// What the fact means, in one sentence, as docs/rules.md lists it.
    package var documentation: String {
        switch self {
        case .age: "The client's age in whole years at as_of; null when the birth date is unknown."
        case .tenureDays: "Days since the client was first seen."
        case .stage: "The lifecycle stage: prospect, onboarding, active, loyal, at_risk, lapsed or reactivated."
        case .previousStage: "The stage before the current one; \"\" when there was none."
        case .daysInStage: "Days since the client entered the current stage."
        case .purchaseCount: "The number of purchases (occasions: the lines of one order, or of one timestamp, count once)."
        case .totalSpend: "The sum of all purchase amounts."
        case .averageSpend: "The average purchase amount; 0 when there is no purchase."
        case .daysSinceFirstPurchase: "Days since the first purchase; null when there is no purchase."
        case .daysSinceLastPurchase: "Days since the last purchase; null when there is no purchase."
        case .recencyScore: "RFM recency quintile, 1...5 (5 = most recent); 0 when there is no purchase."
        case .frequencyScore: "RFM frequency quintile, 1...5 (5 = most frequent); 0 when there is no purchase."
        case .monetaryScore: "RFM monetary quintile, 1...5 (5 = highest spend); 0 when there is no purchase."
        case .pAlive: "The probability that the client is still active, 0...1, from the lifetime-value model."
        case .expectedPurchases90d: "The expected number of purchases in the next 90 days."
        case .clv12m: "The expected spend over the next 12 months (customer lifetime value)."
        case .tier: "The loyalty tier; \"\" when the catalog defines no tiers."
        case .nextTier: "The next loyalty tier; \"\" at the top tier."
        case .points: "The loyalty points balance."
        case .qualifyingPoints: "Points that count towards the tier (purchases, advocacy bonuses, positive ledger entries in the qualifying window or review period); a redemption does not lower them."
        case .pointsExpiring30d: "Redeemable points that expire in the next 30 days (points_expiring_within(30)), for a message's text."
        case .pointsToNextTier: "Points still needed to reach the next tier; 0 at the top tier."
        case .ownedProducts: "The ids of the products the client owns."
        case .ownedCategories: "The categories of the products the client owns."
        case .recentCategories: "The categories bought in the last 90 days."
        case .lifeEvents: "The kinds of the client's life events, of any age."
        case .interactions90d: "Interactions in all channels in the last 90 days."
        case .advocate: "Whether the client referred someone or wrote a review."
        case .consents: "The channels the client consented to be contacted in."
        case .doNotContact: "Whether the client asked not to be contacted at all."
        case .segment: "The client's segment."
        case .region: "The client's region."
        case .accountId: "The household or business account the client belongs to; \"\" when none."
        case .role: "The client's role in the account; \"\" when none."
        case .accountMembers: "The number of members of the client's household or business account, the client included; 1 when the client has no account."
        case .accountRole: "The client's role in its account (the same as role); \"\" when none."
        case .accountRoles: "The distinct roles of the account's members (the client included), sorted; empty when none has a role."
        case .accountStages: "The distinct stages of the account's members, sorted: the client's own, and each other member's as last recorded by a run at or before as_of (a member never scored counts none)."
        case .accountTotalSpend: "The sum of every account member's purchase amounts (total_spend when the client has no account)."
        case .accountOwnedProducts: "The ids of the products any member of the account owns (owned_products when the client has no account)."
        case .accountOwnedCategories: "The categories of the products any member of the account owns."
        case .attributes: "Custom attributes, read as attributes.NAME (type dyn; null when unset)."
        }
    }
}
