package import Foundation

/// The result of a backtest: next-purchase quality of the engine and the baselines, lifetime
/// calibration and the p_alive AUC. `Codable`: `--format json` prints it with `jsonEncoder()`.
package struct EvaluationReport: Sendable, Hashable, Codable {
    /// What was evaluated.
    package struct Setup: Sendable, Hashable, Codable {
        /// The cutoff (YYYY-MM-DD): everything at or before its midnight UTC is history.
        package var cutoff: String
        package var horizonDays: Int
        /// The last day of the horizon (YYYY-MM-DD, exclusive end at its midnight UTC).
        package var horizonEnd: String
        package var topK: Int
        package var catalogVersion: String
        package var randomSeed: UInt64
        /// Every category that exists (the coverage denominator).
        package var categories: [String]
        /// The popularity baseline's list.
        package var popularCategories: [String]
        /// The stage-popularity baseline's list per stage at the cutoff (stages with clients only).
        package var stagePopularCategories: [String: [String]] = [:]
        /// How the bootstrap intervals were drawn.
        package var bootstrap = Bootstrap()
        /// The day of the newest purchase when the purchases stop inside the horizon (YYYY-MM-DD),
        /// nil when they run to its end or past it.
        package var dataEnd: String?
        /// The horizon's days the purchases reach: `horizonDays` when they run to its end or past
        /// it, fewer when the history stops inside it (a file that ends with each client's last
        /// order): what is observed in the horizon then does not compare with a prediction for the
        /// whole horizon (`horizonNote`).
        package var horizonCoveredDays: Int?
        /// The horizon the learned propensity was fitted for: `horizonDays`, or, when the purchases
        /// stop inside the horizon, the days they cover (at least the clients' usual time between
        /// purchases); nil without a learned propensity.
        package var propensityHorizonDays: Int?

        package init(cutoff: String, horizonDays: Int, horizonEnd: String, topK: Int = 0, catalogVersion: String,
                     randomSeed: UInt64, categories: [String], popularCategories: [String] = []) {
            self.cutoff = cutoff
            self.horizonDays = horizonDays
            self.horizonEnd = horizonEnd
            self.topK = topK
            self.catalogVersion = catalogVersion
            self.randomSeed = randomSeed
            self.categories = categories
            self.popularCategories = popularCategories
        }
    }

    /// A warning when the purchases stop well inside the horizon (they cover less than 90 % of it),
    /// nil otherwise: predicted counts and propensities are for the whole horizon, observed ones
    /// only for the part the data reaches. Rankings (hit rate, NDCG) stay comparable.
    package var horizonNote: String? {
        guard let covered = setup.horizonCoveredDays, let last = setup.dataEnd,
              Double(covered) < 0.9 * Double(setup.horizonDays) else { return nil }
        if covered == 0 {
            return "the purchases end on \(last), at or before the cutoff: no purchase falls in the horizon, so there is nothing to "
                + "measure; choose a cutoff at least \(setup.horizonDays) days before the last purchase"
        }
        func days(_ n: Int) -> String { n == 1 ? "1 day" : "\(n) days" }
        let learned = setup.propensityHorizonDays.flatMap { $0 < setup.horizonDays ? $0 : nil }.map {
            "the propensity is learned for \(days($0)) (the days covered, at least the clients' usual time between purchases), "
                + "the expected purchases are predicted for the whole horizon, and both are observed for \(days(covered)) only"
        } ?? "the propensities and expected purchases are predicted for the whole horizon and observed for that part only"
        return "the purchases end on \(last), \(days(covered)) into the \(setup.horizonDays)-day horizon: \(learned), so "
            + "the calibrations do not measure the models (the rankings, hit rate and NDCG, are unaffected). For calibration, "
            + "choose a cutoff at least \(setup.horizonDays) days before the last purchase"
    }

    /// Why clients were offered nothing, most clients first, with what to do when it is the
    /// data's set-up (no consent, do-not-contact), nil when every client was offered something.
    package var noOfferNote: String? {
        guard let reasons = population.noOfferReasons, !reasons.isEmpty else { return nil }
        let sorted = reasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let total = reasons.values.reduce(0, +)
        var note = "the engine offered nothing to \(total) of \(population.clients) clients (the check that dropped most offers: "
            + sorted.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "); they count as misses"
        switch sorted[0].key {
        case Rejection.Check.consent.rawValue:
            note += ". Most have no consent for the offers' channels: \(ContactPolicy.noConsentRemedy)"
        case Rejection.Check.doNotContact.rawValue:
            note += ". Most are do-not-contact: with contact_policy.do_not_contact: inbound_only they can still be offered on the "
                + "consent-exempt channels"
        case Rejection.Check.rule.rawValue, Rejection.Check.prerequisites.rawValue, Rejection.Check.ownership.rawValue:
            note += ". The offers' own conditions leave them nothing: `waymark recommend CLIENT --explain` shows every offer's why-not"
        default:
            note += ". `waymark recommend CLIENT --explain` shows every offer's why-not"
        }
        return note
    }

    /// The bootstrap behind `MethodResult.hitRateCI` and `ndcgCI`.
    package struct Bootstrap: Sendable, Hashable, Codable {
        /// Resamples of the buyers in the horizon, with replacement.
        package var resamples: Int = 0
        /// The generator's seed (`--seed`).
        package var seed: UInt64 = 0
        /// The intervals' confidence level.
        package var level: Double = 0.95
        /// Buyers in the horizon resampled.
        package var buyers: Int = 0

        package init(resamples: Int = 0, seed: UInt64 = 0, level: Double = 0.95, buyers: Int = 0) {
            self.resamples = resamples
            self.seed = seed
            self.level = level
            self.buyers = buyers
        }
    }

    package struct Population: Sendable, Hashable, Codable {
        package var clients: Int
        package var buyersBeforeCutoff: Int
        package var buyersInHorizon: Int
        package var purchasesInHorizon: Int
        /// Clients the engine recommended at least one offer to.
        package var clientsWithOffers: Int
        /// Distinct offer items the engine recommended.
        package var offerItemsRecommended: Int
        /// Distinct offer items recommended / offers in the catalog.
        package var offerItemCoverage: Double?
        /// Of the clients offered nothing, how many for each reason (a `Rejection.Check` raw
        /// value: the check that dropped most offers); nil when every client was offered something.
        package var noOfferReasons: [String: Int]?
    }

    package struct StageMetrics: Sendable, Hashable, Codable {
        package var stage: String
        package var metrics: RankingMetrics
    }

    package struct MethodResult: Sendable, Hashable, Codable {
        package var method: EvaluationMethod
        package var overall: RankingMetrics
        /// Per lifecycle stage at the cutoff, in stage order; stages without clients left out.
        package var stages: [StageMetrics]
        /// The bootstrap 95 % interval of the overall hit rate, `[low, high]`; nil without buyers.
        package var hitRateCI: [Double]?
        /// The bootstrap 95 % interval of the overall NDCG, `[low, high]`; nil without buyers.
        package var ndcgCI: [Double]?
    }

    /// The fitted models the engine used, as the report shows them.
    package struct ModelSummary: Sendable, Hashable, Codable {
        /// `bgnbd`, `mbgnbd`, or nil when the heuristic was used.
        package var lifetimeModel: String?
        package var lifetimeParameters: [String: Double]
        package var spendParameters: [String: Double]
        package var timeUnitDays: Double
        /// Buyers the lifetime model was fitted on.
        package var fittedClients: Int
        /// Category transitions the affinity model learned from.
        package var affinityTransitions: Double
        /// Responses counted into the acceptance statistics.
        package var acceptanceObservations: Double
        /// How the learned propensity was trained (cut-offs, clients, buyers, rows, fitted); nil
        /// with the heuristic propensity.
        package var propensity: PropensityModel.Training?

        package init(lifetimeModel: String?, lifetimeParameters: [String: Double], spendParameters: [String: Double],
                     timeUnitDays: Double, fittedClients: Int, affinityTransitions: Double, acceptanceObservations: Double,
                     propensity: PropensityModel.Training? = nil) {
            self.propensity = propensity
            self.lifetimeModel = lifetimeModel
            self.lifetimeParameters = lifetimeParameters
            self.spendParameters = spendParameters
            self.timeUnitDays = timeUnitDays
            self.fittedClients = fittedClients
            self.affinityTransitions = affinityTransitions
            self.acceptanceObservations = acceptanceObservations
        }
    }

    package var setup: Setup
    package var population: Population
    package var methods: [MethodResult]
    package var calibration: LifetimeCalibration
    /// How well p_alive at the cutoff separates buyers before the cutoff who bought again in the
    /// horizon (positives) from those who did not.
    package var aliveAUC: ROCAUC
    package var models: ModelSummary?
    /// The engine's propensity, predicted against observed, by decile of predicted.
    package var propensityCalibration: PropensityCalibration
    /// Every catalog offer: clients it was recommended to and how many bought its category,
    /// most recommended first.
    package var offerItems: [ItemHitRate]

    /// The result of one method.
    package func result(_ method: EvaluationMethod) -> MethodResult? {
        methods.first { $0.method == method }
    }

    /// The engine's hit rate over the popularity baseline's (nil when the baseline's is 0).
    package var hitRateLiftOverPopularity: Double? {
        guard let engine = result(.engine), let popular = result(.popularity), popular.overall.hitRate > 0 else { return nil }
        return engine.overall.hitRate / popular.overall.hitRate
    }

    /// Whether the engine's NDCG beats every baseline's.
    package var engineBeatsBaselinesOnNDCG: Bool {
        guard let engine = result(.engine) else { return false }
        return methods.allSatisfy { $0.method == .engine || engine.overall.ndcg > $0.overall.ndcg }
    }

    /// The encoder for `--format json`: snake_case keys, sorted, pretty.
    package static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    /// The decoder matching `jsonEncoder()`.
    package static func jsonDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        // convertFromSnakeCase would give `aliveAuc` and `hitRateCi`; the properties are `aliveAUC`, `hitRateCI`.
        decoder.keyDecodingStrategy = .custom { path in
            let key = path.last!.stringValue
            let parts = key.split(separator: "_")
            var name = parts.first.map(String.init) ?? key
            for part in parts.dropFirst() { name += part == "auc" ? "AUC" : part == "ci" ? "CI" : part == "id" ? "ID" : part.prefix(1).uppercased() + part.dropFirst() }
            return AnyKey(name)
        }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }
}

/// A coding key made from a string.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
