/// Calibration of the engine's propensity: predicted against observed, by decile.
///
/// Every offer recommended (within the first k) to every evaluated client is one observation:
/// its predicted propensity (`explanation.factors.propensity`, P(the client buys the offer's
/// category within the horizon)) and whether the client did buy that category in the horizon.
/// The observations are sorted by predicted value and cut into ten groups of (nearly) equal size;
/// each decile's mean predicted propensity is set beside its observed rate. A calibrated
/// propensity has the two equal in every decile (the reliability curve on the diagonal).
package struct PropensityCalibration: Sendable, Hashable, Codable {
    package struct Decile: Sendable, Hashable, Codable {
        /// 1 (lowest predicted) … 10 (highest).
        package var decile: Int
        package var offers: Int
        package var minPredicted: Double
        package var maxPredicted: Double
        package var meanPredicted: Double
        /// Share of the decile's offers whose category the client bought in the horizon.
        package var observedRate: Double
    }

    /// Recommended offers observed (all clients, buyers or not).
    package var offers: Int
    package var meanPredicted: Double
    package var observedRate: Double
    /// Mean squared error of the predicted propensity against the 0/1 outcome.
    package var brierScore: Double
    /// Offer-weighted mean of |mean predicted − observed rate| over the deciles.
    package var expectedCalibrationError: Double
    /// Non-empty deciles, lowest predicted first (fewer than ten when there are fewer than ten offers).
    package var deciles: [Decile]
}

/// Collects (predicted, bought) per recommended offer for a `PropensityCalibration`.
///
/// Keeps 16 bytes per observation; the order of `add` and `merge` does not change the result
/// (ties in the predicted value are ordered by a hash of the client id and the rank).
package struct PropensityCalibrationAccumulator: Sendable, Hashable {
    private struct Observation: Sendable, Hashable {
        var predicted: Float
        var rank: UInt16
        var bought: Bool
        var key: UInt64
    }

    private var observations: [Observation] = []

    package init() {}

    /// Adds one recommended offer.
    ///
    /// - Parameters:
    ///   - predicted: the offer's propensity (a non-finite value is left out; values are clamped to 0…1).
    ///   - bought: whether the client bought the offer's category in the horizon.
    ///   - clientKey: a stable hash of the client id (the tie-break).
    ///   - rank: the offer's 1-based rank.
    package mutating func add(predicted: Double, bought: Bool, clientKey: UInt64, rank: Int) {
        guard predicted.isFinite else { return }
        observations.append(Observation(predicted: Float(min(max(predicted, 0), 1)), rank: UInt16(clamping: rank), bought: bought, key: clientKey))
    }

    package mutating func merge(_ other: PropensityCalibrationAccumulator) {
        observations.append(contentsOf: other.observations)
    }

    package func finish() -> PropensityCalibration {
        let sorted = observations.sorted { ($0.predicted, $0.key, $0.rank, $0.bought ? 1 : 0) < ($1.predicted, $1.key, $1.rank, $1.bought ? 1 : 0) }
        let n = sorted.count
        var deciles: [PropensityCalibration.Decile] = []
        var predictedSum = 0.0, boughtSum = 0, squaredError = 0.0, gap = 0.0
        for d in 0..<10 {
            let slice = sorted[(d * n / 10)..<((d + 1) * n / 10)]
            guard !slice.isEmpty else { continue }
            var sum = 0.0, hits = 0
            for o in slice {
                let p = Double(o.predicted)
                sum += p
                if o.bought { hits += 1 }
                squaredError += (p - (o.bought ? 1 : 0)) * (p - (o.bought ? 1 : 0))
            }
            let mean = sum / Double(slice.count), observed = Double(hits) / Double(slice.count)
            gap += Double(slice.count) * abs(mean - observed)
            predictedSum += sum
            boughtSum += hits
            deciles.append(.init(decile: d + 1, offers: slice.count, minPredicted: Double(slice.first!.predicted),
                                 maxPredicted: Double(slice.last!.predicted), meanPredicted: mean, observedRate: observed))
        }
        let total = Double(max(n, 1))
        return PropensityCalibration(offers: n, meanPredicted: predictedSum / total, observedRate: Double(boughtSum) / total,
                                     brierScore: squaredError / total, expectedCalibrationError: gap / total, deciles: deciles)
    }
}
