/// Another client of the same household or business account, as the engine sees it from one
/// member's snapshot: its id, its role and its purchases (the account facts and the household
/// ownership check read them).
package struct AccountMember: Sendable, Hashable {
    package var id: String
    /// Role in the account (`head`, `decision_maker`, …), "" when none.
    package var role: String
    /// The member's purchases (may contain some after the engine's `as_of`, ignored).
    package var purchases: [Purchase]
    /// When and where the member was presented something (for caps `per: account`).
    package var presentations: [Presentation]
    /// The member's recorded stages (`stage_history`, written by the runs), in any order.
    package var stages: [StageRecord]

    package init(id: String, role: String = "", purchases: [Purchase] = [], presentations: [Presentation] = [],
                 stages: [StageRecord] = []) {
        self.id = id
        self.role = role
        self.purchases = purchases
        self.presentations = presentations
        self.stages = stages
    }
}

/// A presentation of an item to a client: its channel and time.
package struct Presentation: Sendable, Hashable {
    package var channel: Channel
    package var at: Timestamp

    package init(channel: Channel, at: Timestamp) {
        self.channel = channel
        self.at = at
    }
}

/// What a client's account (household or business) adds up to at one date: every member,
/// the client included. A client without an account, or alone in it, is an account of one.
package struct AccountFacts: Sendable, Hashable {
    /// The number of members, the client included (1 when the client has no account).
    package var members: Int
    /// The distinct non-empty roles of the members, sorted.
    package var roles: [String]
    /// The sum of every member's purchase amounts up to as_of.
    package var totalSpend: Double
    /// The products and categories the other members own (bought up to as_of).
    package var othersOwnedProducts: Set<String>
    package var othersOwnedCategories: Set<String>
    /// Which other member owns each product and category first (by member id), for the
    /// household ownership check's why-not.
    package var ownerOfProduct: [String: String]
    package var ownerOfCategory: [String: String]
    /// The other members' presentations up to as_of, newest first (caps `per: account`).
    package var presentations: [Presentation]
    /// The distinct stages of the members, sorted: the client's own, and each other member's
    /// last recorded at or before as_of (a member never scored has none).
    package var stages: [String]

    /// The account of `profile` with the `others` members at `asOf`; `ownSpend` and `ownStage`
    /// are the client's own total spend and stage.
    package init(profile: __shared ClientProfile, others: __shared [AccountMember], ownSpend: Double, ownStage: LifecycleStage, asOf: Timestamp) {
        members = 1 + others.count
        if others.isEmpty {
            // A client on their own (most clients): the same values, without building sets.
            presentations = []
            stages = [ownStage.rawValue]
            roles = profile.role.isEmpty ? [] : [profile.role]
            totalSpend = ownSpend
            othersOwnedProducts = []
            othersOwnedCategories = []
            ownerOfProduct = [:]
            ownerOfCategory = [:]
            return
        }
        var roleSet = Set<String>()
        if !profile.role.isEmpty { roleSet.insert(profile.role) }
        var cents: Int64 = 0
        var products = Set<String>()
        var categories = Set<String>()
        var productOwner: [String: String] = [:]
        var categoryOwner: [String: String] = [:]
        var shown: [Presentation] = []
        var stageSet: Set<String> = [ownStage.rawValue]
        for member in others.sorted(by: { $0.id < $1.id }) {
            if !member.role.isEmpty { roleSet.insert(member.role) }
            for purchase in member.purchases where purchase.at <= asOf {
                cents += purchase.amountCents
                if products.insert(purchase.productID).inserted { productOwner[purchase.productID] = member.id }
                if !purchase.category.isEmpty, categories.insert(purchase.category).inserted {
                    categoryOwner[purchase.category] = member.id
                }
            }
            shown += member.presentations.filter { $0.at <= asOf }
            if let last = member.stages.filter({ $0.since <= asOf }).max(by: { $0.since < $1.since }) {
                stageSet.insert(last.stage.rawValue)
            }
        }
        shown.sort { $0.at > $1.at }
        presentations = shown
        stages = stageSet.sorted()
        roles = roleSet.sorted()
        totalSpend = ownSpend + Double(cents) / 100
        othersOwnedProducts = products
        othersOwnedCategories = categories
        ownerOfProduct = productOwner
        ownerOfCategory = categoryOwner
    }
}
