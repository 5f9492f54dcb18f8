/// Percentile-bootstrap confidence intervals for the per-client ranking metrics.
///
/// Each buyer in the horizon contributes one NDCG@k per method (a hit is an NDCG above 0, since
/// relevance is binary). A resample draws as many buyers as there are, with replacement, from a
/// generator seeded by the run's seed; every method is scored on the same resample (a paired
/// bootstrap), and the interval is the 2.5 % and 97.5 % percentiles of the resampled means
/// (linear interpolation between order statistics).
///
/// The rows are put in a fixed order first (by a hash of the client id), so the interval does not
/// depend on the order clients were streamed or merged in.
package enum BootstrapInterval {
    /// The intervals of one method.
    package struct Result: Sendable, Hashable {
        package var hitRate: [Double]
        package var ndcg: [Double]
    }

    /// Intervals for every column of a row-major table of per-buyer NDCG values.
    ///
    /// - Parameters:
    ///   - scores: `rows × columns` values, row-major (one row per buyer, one column per method).
    ///   - columns: the number of methods.
    ///   - resamples: how many resamples (at least 1).
    ///   - seed: the generator's seed.
    ///   - level: the confidence level, e.g. 0.95.
    /// - Returns: one result per column; empty when there is no row (no buyer, no interval).
    package static func intervals(scores: [Float], columns: Int, resamples: Int, seed: UInt64, level: Double = 0.95) -> [Result] {
        precondition(columns >= 1 && scores.count % columns == 0, "the scores must be a whole number of rows")
        let rows = scores.count / columns
        guard rows > 0, resamples > 0 else { return [] }
        var generator = SeededGenerator(seed: seed ^ 0xB007_57A9_0000_0001)
        var hitMeans = Array(repeating: [Double](), count: columns)
        var ndcgMeans = Array(repeating: [Double](), count: columns)
        var hitSums = [Int](repeating: 0, count: columns)
        var ndcgSums = [Double](repeating: 0, count: columns)
        for _ in 0..<resamples {
            for c in 0..<columns { hitSums[c] = 0; ndcgSums[c] = 0 }
            for _ in 0..<rows {
                let base = Int.random(in: 0..<rows, using: &generator) * columns
                for c in 0..<columns {
                    let value = scores[base + c]
                    ndcgSums[c] += Double(value)
                    if value > 0 { hitSums[c] += 1 }
                }
            }
            for c in 0..<columns {
                hitMeans[c].append(Double(hitSums[c]) / Double(rows))
                ndcgMeans[c].append(ndcgSums[c] / Double(rows))
            }
        }
        let tail = (1 - level) / 2
        return (0..<columns).map { c in
            let hits = hitMeans[c].sorted(), ndcgs = ndcgMeans[c].sorted()
            return Result(hitRate: [quantile(hits, tail), quantile(hits, 1 - tail)],
                          ndcg: [quantile(ndcgs, tail), quantile(ndcgs, 1 - tail)])
        }
    }

    /// The `q` quantile of sorted values, interpolating linearly between order statistics.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard sorted.count > 1 else { return sorted.first ?? 0 }
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let fraction = position - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
