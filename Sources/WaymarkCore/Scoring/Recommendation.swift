/// What the engine answers for one client: scores, recommendations, and optionally why not.
package struct RecommendationSet: Sendable {
    package var clientID: String
    package var asOf: Timestamp
    package var catalogVersion: String
    package var scores: ClientScores
    /// Offers, best first.
    package var offers: [Recommendation]
    /// Reinforcement messages, best first.
    package var messages: [Recommendation]
    /// Every item not recommended with the reason, in catalog order; empty unless requested.
    package var notRecommended: [Rejection]
    /// The client is in the catalog's holdout (control group): no offers, only service messages.
    package var heldOut = false
    /// What the client would have been offered and the holdout withheld (the catalog's, or an
    /// item's own), offers then messages, each with the rank it would have had.
    package var withheld: [Recommendation] = []
    /// The client's cadences after this pass (with `RecommendOptions.cadences`): the steps due
    /// now (going out or waiting) and the states to store.
    package var cadences = CadenceOutcome()
    /// The cadence steps going out now, as recommendations (ranked after the messages, not scored).
    package var cadenceSteps: [Recommendation] = []

    /// Offers, messages, then the cadence steps going out now.
    package var all: [Recommendation] { offers + messages + cadenceSteps }
}

/// The per-client scores the nightly run stores.
package struct ClientScores: Sendable, Hashable {
    package var stage: LifecycleStage
    package var stageReason: String
    /// The previous stage (see `StageAssessment.previous`).
    package var previousStage: LifecycleStage?
    /// `at_risk → reactivated` when the stage differs from the recorded one.
    package var transition: String?
    package var stageSince: Timestamp
    package var pAlive: Double
    package var expectedPurchases90d: Double
    package var clv12m: Double
    package var tier: String
    package var points: Int
    package var pointsToNextTier: Int
    package var advocate: Bool
}

/// One recommended offer or message.
package struct Recommendation: Sendable, Hashable {
    package var itemID: String
    package var kind: CatalogItem.Kind
    package var title: String
    /// 1-based rank within its kind.
    package var rank: Int
    package var channel: Channel
    package var priority: Double
    /// The rendered message (messages, and offers with a template).
    package var text: String?
    package var explanation: Explanation
}

/// Why an item was recommended: what admitted it and every factor of its priority.
package struct Explanation: Sendable, Hashable {
    /// The checks that admitted the item, in order (`when: stage == "active" && …`,
    /// `requires category investment: owned`, `consent: email`, …).
    package var admittedBy: [String]
    package var factors: ScoreFactors
    /// The life-event trigger behind the boost, e.g. `child_born 30 days ago (window 365, boost 3 → 2.84)`.
    package var trigger: String?
    /// With a learned propensity: its reasons in words with their contribution to the log-odds,
    /// strongest first (`bought coffee on 12 of 20 occasions, about every 2–3 weeks, last 19 days
    /// ago (+1.8)`); empty with the heuristic propensity.
    package var propensityReasons: [String] = []
    /// For a cadence step: where the client is in it (`step 2 of 4 of the new-parent cadence,
    /// started 9 days ago`); the step is due, not ranked, and its factors are zero.
    package var cadence: String?

    package init(admittedBy: [String], factors: ScoreFactors, trigger: String? = nil, propensityReasons: [String] = [], cadence: String? = nil) {
        self.admittedBy = admittedBy
        self.factors = factors
        self.trigger = trigger
        self.propensityReasons = propensityReasons
        self.cadence = cadence
    }

    /// One line: `priority 0.84 = propensity 0.12 (… × affinity given owned 1.46 × …) × value 500 × …`
    /// (the affinity is conditioned on the categories the client owns, see `AffinityModel`).
    package var summary: String {
        let f = factors
        if let cadence { return "due: \(cadence) (a cadence step goes out when due, not ranked by priority)" }
        // Built as bytes (every recommendation of every answer and night has one).
        var text = TextBytes(capacity: 256)
        text.append("priority ")
        text.append(reasonNumber: f.priority)
        text.append(" = propensity ")
        text.append(fmt4(f.propensity))
        if !propensityReasons.isEmpty {
            text.append(" (purchase model: ")
            for (k, reason) in propensityReasons.prefix(3).enumerated() {
                if k > 0 { text.append("; ") }
                text.append(reason)
            }
            text.append(")")
        } else {
            text.append(" (acceptance ")
            text.append(fmt4(f.acceptance))
            text.append(" × affinity given owned ")
            text.append(reasonNumber: f.affinityLift)
            text.append(" × life event ")
            text.append(reasonNumber: f.lifeEventBoost)
            text.append(" × activity ")
            text.append(reasonNumber: f.activity)
            text.append(")")
        }
        text.append(" × value ")
        text.append(reasonNumber: f.value)
        text.append(" × context ")
        text.append(reasonNumber: f.context)
        text.append(" (channel fit ")
        text.append(reasonNumber: f.channelFit)
        text.append(" × recency ")
        text.append(reasonNumber: f.contactRecency)
        text.append(") × lever ")
        text.append(reasonNumber: f.lever)
        return text.string
    }
}

/// Every factor of priority = propensity × value × context × lever.
package struct ScoreFactors: Sendable, Hashable {
    /// Beta-Bernoulli acceptance (posterior mean, or a Thompson sample when exploring).
    package var acceptance: Double
    /// The posterior's alpha and beta.
    package var alpha: Double
    package var beta: Double
    /// The affinity: `K × P(category | the client's owned categories)`, backed off to the newest
    /// category's transitions (`AffinityModel`); 1 for a prospect, a message, or without a model.
    package var affinityLift: Double
    package var lifeEventBoost: Double
    /// Probability alive.
    package var activity: Double
    package var propensity: Double
    package var value: Double
    package var channelFit: Double
    package var contactRecency: Double
    package var context: Double
    package var lever: Double
    package var priority: Double
}

/// Why an item was not recommended.
package struct Rejection: Sendable, Hashable {
    package var itemID: String
    package var kind: CatalogItem.Kind
    /// The check that dropped it (eligibility in its fixed order, or arbitration).
    package var check: Check
    /// Readable detail, e.g. `when: purchase_count >= 3` or `ranked out: score 0.12 < last selected 0.40`.
    package var reason: String
    /// The priority, when the item was eligible and ranked out.
    package var priority: Double?

    /// The checks, in the order they are applied.
    package enum Check: String, Sendable, Hashable, CaseIterable {
        case validity
        case doNotContact = "do_not_contact"
        case consent
        case rule
        case prerequisites
        case ownership
        case contactPolicy = "contact_policy"
        case rankedOut = "ranked_out"
        /// A channel was requested and the item cannot go out on it (checked before ranking).
        case channel
        /// Chosen, then withheld: the client is in the holdout (the catalog's or the item's).
        case holdout
    }
}

/// How to run one recommendation.
package struct RecommendOptions: Sendable, Hashable {
    /// List every item not recommended with its reason.
    package var explainRejections = false
    /// Thompson sampling: nil uses the catalog's `settings.exploration.enabled`.
    package var exploration: Bool?
    /// Mixed into the exploration seed (with the client id and as_of).
    package var seed: UInt64?
    /// Override the catalog's `top_offers` / `max_messages`.
    package var maxOffers: Int?
    package var maxMessages: Int?
    /// Render message templates (off in a run that stores no text).
    package var renderText = true
    /// Only items that can go out on this channel: an eligibility condition checked before
    /// ranking (an item none of whose open channels is this one is dropped with a why-not), and
    /// the chosen channel of every recommendation. Nil: any channel.
    package var channel: Channel?
    /// Build the propensity's reasons in words (off for brief answers, which do not show them).
    package var explainScores = true
    /// Walk the client's cadences (``Engine/advanceCadences(_:facts:render:)``) from the
    /// snapshot's stored states: the nightly run and the live answers, not the backtest.
    package var cadences = false

    package init(explainRejections: Bool = false, exploration: Bool? = nil, seed: UInt64? = nil, maxOffers: Int? = nil, maxMessages: Int? = nil, renderText: Bool = true,
                 channel: Channel? = nil, explainScores: Bool = true) {
        self.channel = channel
        self.explainScores = explainScores
        self.explainRejections = explainRejections
        self.exploration = exploration
        self.seed = seed
        self.maxOffers = maxOffers
        self.maxMessages = maxMessages
        self.renderText = renderText
    }
}

/// A number with up to four decimals.
func fmt4(_ value: Double) -> String {
    let scaled = (value * 10_000).rounded() / 10_000
    if scaled == scaled.rounded() { return String(Int(scaled)) }
    return String(scaled)
}
