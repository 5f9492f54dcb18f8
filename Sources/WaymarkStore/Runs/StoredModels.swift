package import WaymarkCore
package import WaymarkLifetime

/// The fitted models of a run as stored in `scoring_runs.models` (JSON), and their conversion to
/// and from the engine's `FittedModels`.
///
/// ```json
/// {"time_unit_days": 7, "lifetime": {"kind": "bgnbd", "parameters": {"r": …}, "log_likelihood": …},
///  "spend": {"parameters": {"p": …, "q": …, "v": …}}, "rfm": {…}, "affinity": {…}, "acceptance": [...]}
/// ```
package struct StoredModels: Sendable, Codable, Hashable {
    package struct Lifetime: Sendable, Codable, Hashable {
        package var kind: LifetimeModelKind
        package var parameters: LifetimeParameters
        package var logLikelihood: Double?
        package var clients: Int?
        package var converged: Bool?
        enum CodingKeys: String, CodingKey {
            case kind, parameters, clients, converged
            case logLikelihood = "log_likelihood"
        }
    }

    package struct Spend: Sendable, Codable, Hashable {
        package var parameters: GammaGammaParameters
        package var logLikelihood: Double?
        package var clients: Int?
        enum CodingKeys: String, CodingKey {
            case parameters, clients
            case logLikelihood = "log_likelihood"
        }
    }

    package struct RFM: Sendable, Codable, Hashable {
        package var recencyDays: [Double]
        package var frequency: [Double]
        package var monetary: [Double]
        enum CodingKeys: String, CodingKey {
            case frequency, monetary
            case recencyDays = "recency_days"
        }
    }

    /// The affinity model's counts: category transitions and, since the owned-set model, the
    /// purchases counted by the set of categories owned before them.
    ///
    /// `owned_sets` and `owned_smoothing` are optional: models stored by earlier runs have
    /// neither and still decode; the engine then uses the newest-category model alone.
    package struct Affinity: Sendable, Codable, Hashable {
        package var transitions: [String: [String: Double]]
        package var smoothing: Double
        package var minLift: Double
        package var maxLift: Double
        /// Purchases by owned set, sorted by the set (nil: not fitted).
        package var ownedSets: [OwnedSet]?
        /// The owned sets' smoothing `k_S` (nil: the model's default).
        package var ownedSmoothing: Double?

        package init(transitions: [String: [String: Double]], smoothing: Double, minLift: Double, maxLift: Double,
                     ownedSets: [OwnedSet]? = nil, ownedSmoothing: Double? = nil) {
            self.transitions = transitions
            self.smoothing = smoothing
            self.minLift = minLift
            self.maxLift = maxLift
            self.ownedSets = ownedSets
            self.ownedSmoothing = ownedSmoothing
        }

        enum CodingKeys: String, CodingKey {
            case transitions, smoothing
            case minLift = "min_lift"
            case maxLift = "max_lift"
            case ownedSets = "owned_sets"
            case ownedSmoothing = "owned_smoothing"
        }
    }

    /// The purchases made by clients owning exactly the categories `owned` (distinct, sorted),
    /// by the category bought: `{"owned": ["investment", "savings"], "next": {"pension": 12, …}}`.
    package struct OwnedSet: Sendable, Codable, Hashable {
        package var owned: [String]
        package var next: [String: Double]

        package init(owned: [String], next: [String: Double]) {
            self.owned = owned
            self.next = next
        }
    }

    package struct Acceptance: Sendable, Codable, Hashable {
        package var item: String
        package var stage: String
        package var successes: Double
        package var failures: Double
    }

    package var timeUnitDays: Double
    package var lifetime: Lifetime?
    package var spend: Spend?
    package var rfm: RFM
    package var affinity: Affinity
    package var acceptance: [Acceptance]
    /// The learned purchase propensity (nil in runs stored before it existed, or when it was off).
    package var propensity: PropensityModel?
    /// The clients' usual days between purchase occasions: the median, over clients with two
    /// occasions or more, of their mean days between occasions (nil without such a client, and in
    /// runs stored before it existed). `waymark evaluate` learns the propensity for at least this
    /// span when the purchases stop inside its horizon.
    package var usualGapDays: Double? = nil

    enum CodingKeys: String, CodingKey {
        case lifetime, spend, rfm, affinity, acceptance, propensity
        case timeUnitDays = "time_unit_days"
        case usualGapDays = "usual_gap_days"
    }

    /// The engine's models.
    package var fittedModels: FittedModels {
        var model = AffinityModel(smoothing: affinity.smoothing, minLift: affinity.minLift, maxLift: affinity.maxLift)
        if let ownedSmoothing = affinity.ownedSmoothing { model.ownedSmoothing = ownedSmoothing }
        // Sums in key order: the same in every process (a dictionary's order is not), so a
        // decision replayed by an audit adds its totals exactly as the nightly run did.
        for set in affinity.ownedSets ?? [] {
            let key = AffinityModel.ownedKey(set.owned)
            for (to, count) in set.next.sorted(by: { $0.key < $1.key }) {
                model.nextAfterOwned[key, default: [:]][to, default: 0] += count
                model.ownedTotals[key, default: 0] += count
            }
        }
        for (from, targets) in affinity.transitions.sorted(by: { $0.key < $1.key }) {
            for (to, count) in targets.sorted(by: { $0.key < $1.key }) {
                model.transitions[from, default: [:]][to] = count
                model.outgoing[from, default: 0] += count
                model.incoming[to, default: 0] += count
                model.total += count
            }
        }
        var counts: [AcceptanceStatistics.Key: AcceptanceStatistics.Counts] = [:]
        for entry in acceptance {
            guard let stage = LifecycleStage(rawValue: entry.stage) else { continue }
            counts[AcceptanceStatistics.Key(itemID: entry.item, stage: stage)] =
                AcceptanceStatistics.Counts(successes: entry.successes, failures: entry.failures)
        }
        return FittedModels(
            purchases: lifetime.map { LifetimeModel(kind: $0.kind, parameters: $0.parameters) },
            spend: spend.map { GammaGammaSpend(model: GammaGammaModel(parameters: $0.parameters)) },
            affinity: model,
            acceptance: AcceptanceStatistics(counts: counts),
            rfm: RFMBoundaries(recencyDays: rfm.recencyDays, frequency: rfm.frequency, monetary: rfm.monetary),
            timeUnitDays: timeUnitDays,
            propensity: propensity)
    }
}
