internal import Foundation

/// The inputs of the purchase propensity model, for one client and one offer.
///
/// Each is a number the logistic model weighs (`PropensityModel`); together they combine the
/// client's own repeat behaviour per category, population base rates, sequence effects, life
/// events and responses to earlier offers. Names are the keys of the stored weights.
package enum PropensityFeature: Int, CaseIterable, Sendable {
    /// log(1 + H · n / (span + s)): the client's expected purchases of the category in the
    /// horizon H at their own rate (n occasions with it over a history of `span` days, `s` days of
    /// smoothing so a new client's rate is not extreme).
    case personalRate
    /// The share of the client's occasions containing the category, newer occasions weighing more
    /// (decay per occasion): what they buy now.
    case decayedShare
    /// The share of all the client's occasions containing the category.
    case share
    /// log(1 + days since the category was last bought / the client's mean time per purchase of it).
    case sinceLast
    /// How close the days since the last purchase of the category are to the client's own cycle for
    /// it (1 right on cycle, towards 0 far before or after); 0 with fewer than two purchases of it.
    case due
    /// 1 when the client bought the category before.
    case boughtBefore
    /// log of the share of buyers who ever bought the category.
    case popularity
    /// log of the share of recent buyers (the last horizon) who bought the category.
    case recentPopularity
    /// log of the share of clients at the client's stage who bought the offer in a horizon (learned
    /// from the training rows, out of fold): stage base rates.
    case stageRate
    /// For a category the client never bought, `popularity` (new clients and new categories
    /// follow the crowd more).
    case newPopularity
    /// For a category the client never bought, how often the client tries new categories (the
    /// share of their category-occasions that were a first).
    case novelty
    /// log of the affinity lift: what clients who own what this client owns buy next.
    case affinity
    /// log of the life-event boost of the offer's triggers.
    case lifeEvent
    /// logit of the offer's acceptance rate at the client's stage (Beta posterior of responses).
    case acceptance
    /// 1 when the client's newest response to the offer is an acceptance not followed by a
    /// purchase of it yet.
    case acceptedPending
    /// 1 when the client's newest response to the offer is a decline.
    case declined
    /// 1 when the offer was presented to the client within the last 30 days with no decision yet.
    case presentedOpen
    /// log(1 + occasions): how much the client buys at all.
    case activity
    /// log(1 + days since the last occasion / the client's usual gap).
    case lapse
    /// Probability alive (BG/NBD or MBG/NBD).
    case pAlive

    package var name: String {
        switch self {
        case .personalRate: "personal_rate"
        case .decayedShare: "decayed_share"
        case .share: "share"
        case .sinceLast: "since_last"
        case .due: "due"
        case .boughtBefore: "bought_before"
        case .popularity: "popularity"
        case .recentPopularity: "recent_popularity"
        case .stageRate: "stage_rate"
        case .newPopularity: "new_popularity"
        case .novelty: "novelty"
        case .affinity: "affinity"
        case .lifeEvent: "life_event"
        case .acceptance: "acceptance"
        case .acceptedPending: "accepted_pending"
        case .declined: "declined"
        case .presentedOpen: "presented_open"
        case .activity: "activity"
        case .lapse: "lapse"
        case .pAlive: "p_alive"
        }
    }

    package init?(name: String) {
        guard let feature = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = feature
    }

    package static let count = allCases.count

    /// The weights used when the model cannot be fitted (no history before the training cut-off,
    /// or a single class), and the centre the fit is shrunk towards: own repeat behaviour first,
    /// then popularity, then the catalog's signals.
    package static let priorIntercept = -3.0
    package static let priorWeights: [Double] = allCases.map { feature in
        switch feature {
        case .personalRate: 1.5
        case .decayedShare: 3.0
        case .share: 0.5
        case .sinceLast: -0.3
        case .due: 0.3
        case .boughtBefore: 0.5
        case .popularity: 0.3
        case .recentPopularity: 0.3
        case .stageRate: 0.2
        case .newPopularity: 0.2
        case .novelty: 0.5
        case .affinity: 0.5
        case .lifeEvent: 1.0
        case .acceptance: 0.5
        case .acceptedPending: 2.0
        case .declined: -1.0
        case .presentedOpen: 0.3
        case .activity: 0.2
        case .lapse: -0.3
        case .pAlive: 1.0
        }
    }
}

/// What the propensity needs of one client, computed once per client and as_of.
package struct PropensityClient: Sendable {
    package var occasions: PurchaseOccasions
    /// Days from the first occasion to as_of (0 without one).
    package var spanDays: Double
    /// Days from the last occasion to as_of.
    package var lastDays: Double
    /// Mean days between occasions, nil with fewer than two.
    package var usualGapDays: Double?
    /// Share of category-occasions that were the client's first of the category (1 without any).
    package var novelty: Double
    package var pAlive: Double
    package var asOf: Timestamp

    package init(occasions: PurchaseOccasions, asOf: Timestamp, pAlive: Double) {
        self.occasions = occasions
        self.asOf = asOf
        self.pAlive = pAlive
        if let first = occasions.times.first, let last = occasions.times.last {
            spanDays = max(0, asOf.fractionalDays(since: first))
            lastDays = max(0, asOf.fractionalDays(since: last))
            usualGapDays = occasions.count >= 2 ? max(last.fractionalDays(since: first), 0) / Double(occasions.count - 1) : nil
        } else {
            spanDays = 0
            lastDays = 0
            usualGapDays = nil
        }
        novelty = occasions.pairs > 0 ? Double(occasions.firstPairs) / Double(occasions.pairs) : 1
    }
}

/// The item-level inputs of one offer for one client.
package struct PropensityItemInputs: Sendable {
    /// The category's index in the client's `PurchaseOccasions`, -1 when never bought.
    package var category: Int
    /// log popularity and log recent popularity of the category (`PopulationRates`).
    package var logPopularity: Double
    package var logRecentPopularity: Double
    /// log of the offer's base rate at the client's stage.
    package var logStageRate: Double
    package var affinityLift: Double
    package var lifeEventBoost: Double
    package var acceptance: Double
    /// `PropensityFeature.logit(acceptance)` when precomputed (the posterior mean of an item and
    /// stage is fixed per engine); nil computes it.
    package var acceptanceLogit: Double?
    /// The client's own response to the offer: its newest.
    package var response: ResponseState

    /// The client's newest response to an offer, as the propensity reads it.
    package enum ResponseState: Sendable {
        case none, acceptedPending, declined, presentedOpen, other
    }

    package init(category: Int, logPopularity: Double, logRecentPopularity: Double, logStageRate: Double = 0, affinityLift: Double,
                 lifeEventBoost: Double, acceptance: Double, response: ResponseState = .none) {
        self.response = response
        self.logStageRate = logStageRate
        self.category = category
        self.logPopularity = logPopularity
        self.logRecentPopularity = logRecentPopularity
        self.affinityLift = affinityLift
        self.lifeEventBoost = lifeEventBoost
        self.acceptance = acceptance
    }
}

extension PropensityFeature {
    /// Calls `body` with every feature's value for one client and offer (no allocation).
    ///
    /// - Parameters:
    ///   - horizonDays: the horizon the model predicts for.
    ///   - smoothingDays: the pseudo-history added to a client's span.
    @inline(__always)
    package static func values(
        client: borrowing PropensityClient, item: PropensityItemInputs, horizonDays: Double, smoothingDays: Double,
        _ body: (PropensityFeature, Double) -> Void
    ) {
        let occasions = client.occasions
        let c = item.category
        let n = c >= 0 ? Double(occasions.categoryCount[c]) : 0
        let bought = n > 0
        let m = Double(occasions.count)
        body(.personalRate, log1p(horizonDays * n / (client.spanDays + smoothingDays)))
        body(.decayedShare, bought && occasions.decayTotal > 0 ? occasions.categoryDecayed[c] / occasions.decayTotal : 0)
        body(.share, bought && m > 0 ? n / m : 0)
        if bought {
            let since = max(0, client.asOf.fractionalDays(since: occasions.categoryLast[c]))
            let perPurchase = (client.spanDays + smoothingDays) / n
            body(.sinceLast, log1p(since / perPurchase))
            if n >= 2 {
                let cycle = max(1, occasions.categoryLast[c].fractionalDays(since: occasions.categoryFirst[c]) / (n - 1))
                let r = log((since + 1) / (cycle + 1))
                body(.due, exp(-r * r / 0.5))
            } else {
                body(.due, 0)
            }
        } else {
            body(.sinceLast, 0)
            body(.due, 0)
        }
        body(.boughtBefore, bought ? 1 : 0)
        body(.popularity, item.logPopularity)
        body(.recentPopularity, item.logRecentPopularity)
        body(.stageRate, item.logStageRate)
        body(.newPopularity, bought ? 0 : item.logPopularity)
        body(.novelty, bought ? 0 : client.novelty)
        // (No logarithm for the common neutral values: most offers of most clients.)
        body(.affinity, item.affinityLift == 1 ? 0 : log(max(item.affinityLift, 1e-6)))
        body(.lifeEvent, item.lifeEventBoost == 1 ? 0 : log(max(item.lifeEventBoost, 1e-6)))
        body(.acceptance, item.acceptanceLogit ?? Self.logit(item.acceptance))
        body(.acceptedPending, item.response == .acceptedPending ? 1 : 0)
        body(.declined, item.response == .declined ? 1 : 0)
        body(.presentedOpen, item.response == .presentedOpen ? 1 : 0)
        body(.activity, log1p(m))
        body(.lapse, m > 0 ? log1p(client.lastDays / (client.usualGapDays ?? smoothingDays).clamped(min: 1)) : 0)
        body(.pAlive, client.pAlive)
    }
}

extension PropensityFeature {
    /// The acceptance feature: logit of the rate, clamped to [0.001, 0.999].
    @inline(__always)
    package static func logit(_ acceptance: Double) -> Double {
        let a = min(max(acceptance, 0.001), 0.999)
        return log(a / (1 - a))
    }
}

extension Double {
    func clamped(min lower: Double) -> Double { Swift.max(self, lower) }
}

/// The inputs of "does the client buy any offer within the horizon".
package enum PropensityClientFeature: Int, CaseIterable, Sendable {
    /// log(1 + occasions).
    case activity
    /// log(1 + days since the last occasion / the usual gap).
    case lapse
    /// Probability alive.
    case pAlive
    /// 1 for a client without a purchase.
    case prospect
    /// log(1 + days since the last occasion).
    case recency

    package var name: String {
        switch self {
        case .activity: "activity"
        case .lapse: "lapse"
        case .pAlive: "p_alive"
        case .prospect: "prospect"
        case .recency: "recency"
        }
    }

    package static let count = allCases.count
    package static let priorIntercept = -1.0
    package static let priorWeights: [Double] = allCases.map {
        switch $0 {
        case .activity: 0.5
        case .lapse: -0.5
        case .pAlive: 1.0
        case .prospect: -1.0
        case .recency: -0.2
        }
    }

    /// The values for one client, indexed by `rawValue`.
    package static func values(_ client: borrowing PropensityClient) -> [Double] {
        let m = Double(client.occasions.count)
        return [
            log1p(m),
            m > 0 ? log1p(client.lastDays / max(client.usualGapDays ?? 30, 1)) : 0,
            client.pAlive,
            m > 0 ? 0 : 1,
            m > 0 ? log1p(client.lastDays) : 0,
        ]
    }
}
