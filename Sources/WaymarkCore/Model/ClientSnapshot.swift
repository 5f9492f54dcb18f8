/// Everything the engine knows about one client: the profile and the whole timeline.
///
/// A snapshot is built by the store (one query per client, or streamed in `client_id` order by
/// the nightly run) or by hand in tests. Timelines need not be sorted and may contain entries
/// after the `as_of` the engine is asked about: the engine ignores everything later than `as_of`,
/// so a backtest can replay history from a full snapshot.
package struct ClientSnapshot: Sendable, Hashable {
    package var profile: ClientProfile
    package var purchases: [Purchase]
    package var lifeEvents: [LifeEvent]
    package var interactions: [Interaction]
    package var responses: [Response]
    package var loyaltyLedger: [LoyaltyEntry]
    /// The last recorded stage (from `stage_history`), nil when none was ever recorded.
    package var recordedStage: StageRecord?
    /// Where the client is in the catalog's cadences, as stored (`cadence_states`).
    package var cadences: [CadenceState]
    /// The other members of the client's household or business account, with their purchases
    /// (empty when the client has no account or is alone in it).
    package var accountMembers: [AccountMember]

    package init(
        profile: ClientProfile,
        purchases: [Purchase] = [],
        lifeEvents: [LifeEvent] = [],
        interactions: [Interaction] = [],
        responses: [Response] = [],
        loyaltyLedger: [LoyaltyEntry] = [],
        recordedStage: StageRecord? = nil,
        cadences: [CadenceState] = [],
        accountMembers: [AccountMember] = []
    ) {
        self.profile = profile
        self.purchases = purchases
        self.lifeEvents = lifeEvents
        self.interactions = interactions
        self.responses = responses
        self.loyaltyLedger = loyaltyLedger
        self.recordedStage = recordedStage
        self.cadences = cadences
        self.accountMembers = accountMembers
    }

    package var id: String { profile.id }
}

/// A client's profile: the `clients` table.
package struct ClientProfile: Sendable, Hashable {
    package var id: String
    package var firstSeen: Timestamp
    /// Birth date (midnight UTC), nil when unknown.
    package var birthDate: Timestamp?
    package var segment: String
    package var region: String
    /// Household or business account, "" when none.
    package var accountID: String
    /// Role in the account (`head`, `decision_maker`, …), "" when none.
    package var role: String
    package var consents: ChannelSet
    package var doNotContact: Bool
    /// Custom attributes, read in rules as `attributes.NAME`.
    package var attributes: [String: RuleValue]

    package init(
        id: String,
        firstSeen: Timestamp,
        birthDate: Timestamp? = nil,
        segment: String = "",
        region: String = "",
        accountID: String = "",
        role: String = "",
        consents: ChannelSet = [],
        doNotContact: Bool = false,
        attributes: [String: RuleValue] = [:]
    ) {
        self.id = id
        self.firstSeen = firstSeen
        self.birthDate = birthDate
        self.segment = segment
        self.region = region
        self.accountID = accountID
        self.role = role
        self.consents = consents
        self.doNotContact = doNotContact
        self.attributes = attributes
    }
}

/// One purchase line.
package struct Purchase: Sendable, Hashable {
    package var productID: String
    /// The product's category, resolved from the products table when the snapshot is built.
    package var category: String
    package var at: Timestamp
    /// What the client paid, in cents.
    package var amountCents: Int64
    package var quantity: Int
    package var channel: Channel?
    /// The order the line belongs to, nil when not given: lines of one order are one purchase
    /// occasion (without order ids, the lines of one client at one timestamp are).
    package var orderID: String?

    package init(productID: String, category: String, at: Timestamp, amountCents: Int64, quantity: Int = 1, channel: Channel? = nil,
                 orderID: String? = nil) {
        self.productID = productID
        self.category = category
        self.at = at
        self.amountCents = amountCents
        self.quantity = quantity
        self.channel = channel
        self.orderID = orderID
    }

    /// The amount in currency units.
    package var amount: Double { Double(amountCents) / 100 }
}

/// A life event: marriage, child born, home purchase, …
package struct LifeEvent: Sendable, Hashable {
    package var kind: String
    package var at: Timestamp

    package init(kind: String, at: Timestamp) {
        self.kind = kind
        self.at = at
    }
}

/// A contact in any channel: a visit, an open, a call, a meeting, a review, a referral.
package struct Interaction: Sendable, Hashable {
    package var channel: Channel
    package var kind: String
    package var at: Timestamp
    package var itemID: String?

    package init(channel: Channel, kind: String, at: Timestamp, itemID: String? = nil) {
        self.channel = channel
        self.kind = kind
        self.at = at
        self.itemID = itemID
    }

    /// `review` and `referral` interactions make a client an advocate.
    package var isAdvocacy: Bool {
        // The length first: most kinds ("visit", "open") are told apart without comparing text.
        switch kind.utf8.count {
        case 6: kind == "review"
        case 8: kind == "referral"
        default: false
        }
    }
}

/// What the client did with an offer or message presented earlier.
package struct Response: Sendable, Hashable {
    package enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// Presented, no reaction (yet).
        case presented
        case opened
        case accepted
        case declined
    }

    package var itemID: String
    package var channel: Channel
    package var presentedAt: Timestamp
    package var outcome: Outcome
    package var respondedAt: Timestamp?

    package init(itemID: String, channel: Channel, presentedAt: Timestamp, outcome: Outcome, respondedAt: Timestamp? = nil) {
        self.itemID = itemID
        self.channel = channel
        self.presentedAt = presentedAt
        self.outcome = outcome
        self.respondedAt = respondedAt
    }

    /// When the outcome became known: the response time, or the presentation when none.
    package var decidedAt: Timestamp { respondedAt ?? presentedAt }

    /// The outcome as known at `asOf`: a reaction recorded after `asOf` is not yet known.
    package func outcome(asOf: Timestamp) -> Outcome? {
        guard presentedAt <= asOf else { return nil }
        if let respondedAt, respondedAt > asOf { return .presented }
        return outcome
    }
}

/// A loyalty ledger entry that purchases do not explain: a bonus, a redemption (negative),
/// an adjustment, an expiry (negative).
package struct LoyaltyEntry: Sendable, Hashable {
    package var at: Timestamp
    package var points: Int
    package var reason: String

    package init(at: Timestamp, points: Int, reason: String = "") {
        self.at = at
        self.points = points
        self.reason = reason
    }
}

/// The last stage recorded in `stage_history` for a client.
package struct StageRecord: Sendable, Hashable {
    package var stage: LifecycleStage
    /// When the client entered `stage`.
    package var since: Timestamp
    /// The stage before `stage`, nil when none.
    package var previous: LifecycleStage?

    package init(stage: LifecycleStage, since: Timestamp, previous: LifecycleStage? = nil) {
        self.stage = stage
        self.since = since
        self.previous = previous
    }
}
