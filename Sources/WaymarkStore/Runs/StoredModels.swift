package import WaymarkCore

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

    package struct Affinity: Sendable, Codable, Hashable {
        package var transitions: [String: [String: Double]]
        package var smoothing: Double
        package var minLift: Double
        package var maxLift: Double
        enum CodingKeys: String, CodingKey {
            case transitions, smoothing
            case minLift = "min_lift"
            case maxLift = "max_lift"
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

    enum CodingKeys: String, CodingKey {
        case lifetime, spend, rfm, affinity, acceptance
        case timeUnitDays = "time_unit_days"
    }

    /// The engine's models.
    package var fittedModels: FittedModels {
        var model = AffinityModel(smoothing: affinity.smoothing, minLift: affinity.minLift, maxLift: affinity.maxLift)
        for (from, targets) in affinity.transitions {
            for (to, count) in targets {
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
            timeUnitDays: timeUnitDays)
    }
}

/// The Gamma-Gamma model as the engine's spend model.
package struct GammaGammaSpend: SpendBehaviourModel {
    package var model: GammaGammaModel

    package init(model: GammaGammaModel) {
        self.model = model
    }

    package func expectedAverageSpend(frequency: Double, averageSpend: Double) -> Double {
        let value = model.expectedAverageSpend(frequency: Int(frequency.rounded()), averageSpend: averageSpend)
        return value.isFinite ? value : averageSpend
    }
}
