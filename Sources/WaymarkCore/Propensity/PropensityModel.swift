internal import Foundation

/// How many clients bought each category: the population base rates of the propensity.
///
/// `buyers` counts clients with a purchase up to as_of, `recentBuyers` those with one in the
/// window (as_of − `windowDays`, as_of]; per category the same two counts. Shares are smoothed
/// by half a client so an unseen category has a small, not a zero, rate.
package struct PopulationRates: Sendable, Hashable, Codable {
    package struct Counts: Sendable, Hashable, Codable {
        package var buyers: Double
        package var recentBuyers: Double
        package init(buyers: Double, recentBuyers: Double) {
            self.buyers = buyers
            self.recentBuyers = recentBuyers
        }
        enum CodingKeys: String, CodingKey {
            case buyers
            case recentBuyers = "recent_buyers"
        }
    }

    package var windowDays: Int
    package var buyers: Double
    package var recentBuyers: Double
    package var categories: [String: Counts]

    package init(windowDays: Int = 0, buyers: Double = 0, recentBuyers: Double = 0, categories: [String: Counts] = [:]) {
        self.windowDays = windowDays
        self.buyers = buyers
        self.recentBuyers = recentBuyers
        self.categories = categories
    }

    /// The share of buyers who bought `category`, smoothed.
    package func share(_ category: String?) -> Double {
        ((category.flatMap { categories[$0]?.buyers } ?? 0) + 0.5) / (buyers + 1)
    }

    /// The share of recent buyers who bought `category` in the window, smoothed.
    package func recentShare(_ category: String?) -> Double {
        ((category.flatMap { categories[$0]?.recentBuyers } ?? 0) + 0.5) / (recentBuyers + 1)
    }

    enum CodingKeys: String, CodingKey {
        case buyers, categories
        case windowDays = "window_days"
        case recentBuyers = "recent_buyers"
    }
}

/// The purchase propensity: a logistic model of "the client buys the offer's category (or
/// product) within the horizon", learned from the history itself at every run.
///
/// In two parts: `P(buys the offer) = P(buys any offer) × P(this offer | buys)`. The first is a
/// logistic model over the client's activity (``PropensityClientFeature``), the second
/// `logit P = intercept + Σ weight(f) · f(client, offer)` over ``PropensityFeature``, trained on
/// the rows of clients who did buy (which offer, not whether: measured on the generated
/// populations, this ranks better than one model over every client's rows). The nightly
/// fit builds training rows at an earlier cut-off (as_of − horizon) from a sample of clients, with
/// the label "bought in the following horizon", and fits the weights by penalised maximum
/// likelihood (``LogisticRegression``), shrunk towards ``PropensityFeature/priorWeights``. So how
/// much a client's own habits, the crowd, sequences, life events and responses count is measured on
/// the business's own data rather than fixed: a grocer's staples and an advisor's ladder get
/// different weights. The probability is calibrated on the training rows (about p of the offers
/// given p are bought); `waymark evaluate` reports the calibration by decile.
package struct PropensityModel: Sendable, Hashable, Codable {
    /// Training summary, for the run's report.
    package struct Training: Sendable, Hashable, Codable {
        /// The training cut-off (ISO 8601): features as of it, labels in the horizon after it.
        package var cutoff: String
        package var clients: Int
        /// Clients who bought an offer in the training horizon (their rows train the offer model).
        package var buyers: Int
        package var rows: Int
        package var positives: Double
        package var logLoss: Double
        package var iterations: Int
        /// Whether the weights are fitted (false: the prior weights, too little data).
        package var fitted: Bool
        /// Every training cut-off, newest first, when the fit read more than one window (the newest
        /// held too few buyers); nil for one window (`cutoff`).
        package var cutoffs: [String]?

        package init(cutoff: String, clients: Int, buyers: Int, rows: Int, positives: Double, logLoss: Double, iterations: Int, fitted: Bool) {
            self.cutoff = cutoff
            self.clients = clients
            self.buyers = buyers
            self.rows = rows
            self.positives = positives
            self.logLoss = logLoss
            self.iterations = iterations
            self.fitted = fitted
        }

        /// "learned at 2025-09-13 from 5775 clients (899 buyers, 7544 rows), log-loss 0.3715", with
        /// "2 cut-offs, 2001-02-21 … 2001-02-24" for several windows: the line `score` and `evaluate` print.
        package var summary: String {
            (fitted ? "learned" : "prior weights (too few purchases to learn from)")
                + " at \(cutoffs.map { "\($0.count) cut-offs, \($0.last ?? cutoff) … " } ?? "")\(cutoff) from \(clients) clients"
                + " (\(buyers) buyers, \(rows) rows), log-loss \(String(format: "%.4f", logLoss))"
        }

        enum CodingKeys: String, CodingKey {
            case cutoff, clients, buyers, rows, positives, iterations, fitted, cutoffs
            case logLoss = "log_loss"
        }
    }

    package var horizonDays: Int
    package var smoothingDays: Double
    /// Per-occasion decay of the decayed share.
    package var decay: Double
    package var intercept: Double
    /// Weights by feature name; a feature missing here weighs 0.
    package var weights: [String: Double]
    /// Mean of each feature on the training rows (explanations show contributions against it).
    package var means: [String: Double]
    /// Base rates as of the scoring date.
    package var rates: PopulationRates
    /// Per offer id: the share of training clients who bought it in the horizon, overall and by
    /// their stage at the training cut-off (smoothed towards the overall rate).
    package var itemRates: [String: Double]
    package var stageRates: [String: [String: Double]]
    /// P(the client buys any offer in the horizon): a logistic model over ``PropensityClientFeature``.
    package var clientIntercept: Double
    package var clientWeights: [String: Double]
    package var training: Training?

    package init(horizonDays: Int, smoothingDays: Double? = nil, decay: Double = 0.9, intercept: Double = PropensityFeature.priorIntercept,
                 weights: [String: Double]? = nil, means: [String: Double] = [:], rates: PopulationRates = PopulationRates(),
                 itemRates: [String: Double] = [:], stageRates: [String: [String: Double]] = [:],
                 clientIntercept: Double = PropensityClientFeature.priorIntercept, clientWeights: [String: Double]? = nil, training: Training? = nil) {
        self.clientIntercept = clientIntercept
        self.clientWeights = clientWeights ?? Dictionary(uniqueKeysWithValues: PropensityClientFeature.allCases.map { ($0.name, PropensityClientFeature.priorWeights[$0.rawValue]) })
        self.itemRates = itemRates
        self.stageRates = stageRates
        self.horizonDays = horizonDays
        self.smoothingDays = smoothingDays ?? Double(max(horizonDays, 7))
        self.decay = decay
        self.intercept = intercept
        self.weights = weights ?? Dictionary(uniqueKeysWithValues: PropensityFeature.allCases.map { ($0.name, PropensityFeature.priorWeights[$0.rawValue]) })
        self.means = means
        self.rates = rates
        self.training = training
    }

    /// The weights as an array indexed by `PropensityFeature.rawValue`.
    package var weightVector: [Double] {
        PropensityFeature.allCases.map { weights[$0.name] ?? 0 }
    }

    package var meanVector: [Double] {
        PropensityFeature.allCases.map { means[$0.name] ?? 0 }
    }

    /// The feature values of one client and offer, indexed by `PropensityFeature.rawValue`.
    package func features(client: borrowing PropensityClient, item: PropensityItemInputs) -> [Double] {
        var row = [Double](repeating: 0, count: PropensityFeature.count)
        PropensityFeature.values(client: client, item: item, horizonDays: Double(horizonDays), smoothingDays: smoothingDays) { row[$0.rawValue] = $1 }
        return row
    }

    enum CodingKeys: String, CodingKey {
        case decay, intercept, weights, means, rates, training
        case itemRates = "item_rates"
        case clientIntercept = "client_intercept"
        case clientWeights = "client_weights"
        case stageRates = "stage_rates"
        case horizonDays = "horizon_days"
        case smoothingDays = "smoothing_days"
    }
}

/// A propensity model ready for the hot path: weights as an array.
package final class PropensityScorer: Sendable {
    package let model: PropensityModel
    let intercept: Double
    let weights: [Double]
    /// The features' means on the training rows (explanations).
    let means: [Double]
    let horizon: Double
    let smoothing: Double
    let clientIntercept: Double
    let clientWeights: [Double]
    /// Σ weight × mean over the features of the client's own purchases (`ClientPart.personal`'s
    /// features and `novelty`): a category's own-purchase contribution against the training
    /// average is its personal part less this (the explanations' first reason).
    let ownPurchasesMeanTerm: Double

    package init(_ model: PropensityModel) {
        self.model = model
        intercept = model.intercept
        weights = model.weightVector
        means = model.meanVector
        horizon = Double(model.horizonDays)
        smoothing = model.smoothingDays
        clientIntercept = model.clientIntercept
        clientWeights = PropensityClientFeature.allCases.map { model.clientWeights[$0.name] ?? 0 }
        let own: [PropensityFeature] = [.personalRate, .decayedShare, .share, .sinceLast, .due, .boughtBefore, .novelty]
        let weights = weights, means = means
        ownPurchasesMeanTerm = own.reduce(0) { $0 + weights[$1.rawValue] * means[$1.rawValue] }
    }

    /// P(the client buys any offer within the horizon), once per client.
    package func buyProbability(client: borrowing PropensityClient) -> Double {
        let x = PropensityClientFeature.values(client)
        var z = clientIntercept
        for (w, v) in zip(clientWeights, x) { z += w * v }
        return LogisticRegression.sigmoid(z)
    }

    /// The parts of the offer model's logit that depend on the client alone, computed once per
    /// client: the client-level terms, and per category of the client's table the terms of their
    /// own repeat behaviour (a category never bought has none but `novelty`).
    package struct ClientPart: Sendable {
        /// intercept + activity, lapse and p_alive terms.
        package var constant: Double
        /// Per category index of the client's `PurchaseOccasions`: the personal features' terms.
        package var personal: [Double]
        /// The terms of a category the client never bought (`novelty`).
        package var neverBought: Double
    }

    /// The client's part of the offer logit (see ``ClientPart``).
    package func clientPart(_ client: borrowing PropensityClient) -> ClientPart {
        let occasions = client.occasions
        let m = Double(occasions.count)
        var constant = intercept
        constant += weights[PropensityFeature.activity.rawValue] * log1p(m)
        if m > 0 {
            constant += weights[PropensityFeature.lapse.rawValue]
                * log1p(client.lastDays / (client.usualGapDays ?? smoothing).clamped(min: 1))
        }
        constant += weights[PropensityFeature.pAlive.rawValue] * client.pAlive
        // The personal features of each category the client bought, as `PropensityFeature.values`
        // computes them (a test holds the two together), without the other features' work.
        let wRate = weights[PropensityFeature.personalRate.rawValue], wDecayed = weights[PropensityFeature.decayedShare.rawValue]
        let wShare = weights[PropensityFeature.share.rawValue], wSince = weights[PropensityFeature.sinceLast.rawValue]
        let wDue = weights[PropensityFeature.due.rawValue], wBought = weights[PropensityFeature.boughtBefore.rawValue]
        let span = client.spanDays + smoothing
        var parts = [Double](filled: 0, count: occasions.categoryCount.count)
        for c in parts.indices where occasions.categoryCount[c] > 0 {
            let n = Double(occasions.categoryCount[c])
            var sum = wRate * log1p(horizon * n / span) + wBought
            if occasions.decayTotal > 0 { sum += wDecayed * occasions.categoryDecayed[c] / occasions.decayTotal }
            if m > 0 { sum += wShare * n / m }
            let since = max(0, client.asOf.fractionalDays(since: occasions.categoryLast[c]))
            sum += wSince * log1p(since / (span / n))
            if n >= 2 {
                let cycle = max(1, occasions.categoryLast[c].fractionalDays(since: occasions.categoryFirst[c]) / (n - 1))
                let r = log((since + 1) / (cycle + 1))
                sum += wDue * exp(-r * r / 0.5)
            }
            parts[c] = sum
        }
        return ClientPart(constant: constant, personal: parts, neverBought: weights[PropensityFeature.novelty.rawValue] * client.novelty)
    }

    /// The offer's part of the logit that depends on it and the client's stage alone: popularity,
    /// recent popularity and the stage rate.
    package func itemPart(logPopularity: Double, logRecentPopularity: Double, logStageRate: Double) -> Double {
        weights[PropensityFeature.popularity.rawValue] * logPopularity
            + weights[PropensityFeature.recentPopularity.rawValue] * logRecentPopularity
            + weights[PropensityFeature.stageRate.rawValue] * logStageRate
    }

    /// The crowd's contribution to an offer's log-odds against the training average (the
    /// explanations' popularity reason): popularity, recent popularity and, for a category the
    /// client never bought, the new-category popularity.
    package func crowdContribution(logPopularity: Double, logRecentPopularity: Double, bought: Bool) -> Double {
        term(.popularity, logPopularity) + term(.recentPopularity, logRecentPopularity) + term(.newPopularity, bought ? 0 : logPopularity)
    }

    /// The stage rate's contribution to an offer's log-odds against the training average.
    package func stageRateContribution(logStageRate: Double) -> Double {
        term(.stageRate, logStageRate)
    }

    /// A feature's contribution against the training average, w · (x − mean).
    @inline(__always)
    func term(_ f: PropensityFeature, _ x: Double) -> Double { weights[f.rawValue] * (x - means[f.rawValue]) }

    /// The hot path: P(the client buys the offer | buys some offer) from the precomputed parts,
    /// equal to ``probability(client:item:)`` (a test holds them together).
    @inline(__always)
    package func probability(_ client: ClientPart, itemPart: Double, item: PropensityItemInputs) -> Double {
        var z = client.constant + itemPart
        if item.category >= 0 {
            z += client.personal[item.category]
        } else {
            z += client.neverBought + weights[PropensityFeature.newPopularity.rawValue] * item.logPopularity
        }
        if item.affinityLift != 1 { z += weights[PropensityFeature.affinity.rawValue] * log(max(item.affinityLift, 1e-6)) }
        if item.lifeEventBoost != 1 { z += weights[PropensityFeature.lifeEvent.rawValue] * log(max(item.lifeEventBoost, 1e-6)) }
        z += weights[PropensityFeature.acceptance.rawValue] * (item.acceptanceLogit ?? PropensityFeature.logit(item.acceptance))
        switch item.response {
        case .acceptedPending: z += weights[PropensityFeature.acceptedPending.rawValue]
        case .declined: z += weights[PropensityFeature.declined.rawValue]
        case .presentedOpen: z += weights[PropensityFeature.presentedOpen.rawValue]
        case .none, .other: break
        }
        return LogisticRegression.sigmoid(z)
    }

    /// P(the client buys the offer within the horizon | the client buys some offer then).
    @inline(__always)
    package func probability(client: borrowing PropensityClient, item: PropensityItemInputs) -> Double {
        var z = intercept
        weights.withUnsafeBufferPointer { w in
            PropensityFeature.values(client: client, item: item, horizonDays: horizon, smoothingDays: smoothing) { feature, x in
                z += w[feature.rawValue] * x
            }
        }
        return LogisticRegression.sigmoid(z)
    }
}
