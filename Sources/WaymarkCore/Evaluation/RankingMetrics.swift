internal import Foundation

/// Next-purchase quality of one recommender over a set of clients: hit rate, precision, recall,
/// NDCG at k and catalog coverage.
///
/// Relevance is judged at the category level: a recommendation is a *hit* when the client bought
/// a product of its category in the horizon. A list that names a category twice counts it once
/// (the repeat is irrelevant). The ranking metrics average over the clients who bought anything
/// in the horizon; coverage counts the categories recommended to anyone, over every client.
///
/// - hit rate@k: share of buyers with at least one hit among the first k;
/// - precision@k: hits / k, averaged over buyers (a shorter list still divides by k);
/// - recall@k: hits / the number of categories the buyer bought, averaged over buyers;
/// - NDCG@k: binary-relevance DCG (Σ relᵢ / log₂(i + 1)) over the ideal DCG of
///   min(k, categories bought) hits, averaged over buyers;
/// - coverage: distinct categories recommended / the categories that exist.
package struct RankingMetrics: Sendable, Hashable, Codable {
    /// Buyers in the horizon: the clients the ranking metrics average over.
    package var buyers: Int
    /// Buyers with at least one hit.
    package var hits: Int
    package var hitRate: Double
    package var precision: Double
    package var recall: Double
    package var ndcg: Double
    /// Distinct categories recommended to any client.
    package var recommendedCategories: Int
    package var coverage: Double
    /// Clients (buyers or not) who got at least one recommendation.
    package var clientsWithRecommendations: Int
    /// Every client seen (buyers or not).
    package var clients: Int

    package init(
        buyers: Int = 0, hits: Int = 0, hitRate: Double = 0, precision: Double = 0, recall: Double = 0, ndcg: Double = 0,
        recommendedCategories: Int = 0, coverage: Double = 0, clientsWithRecommendations: Int = 0, clients: Int = 0
    ) {
        self.buyers = buyers
        self.hits = hits
        self.hitRate = hitRate
        self.precision = precision
        self.recall = recall
        self.ndcg = ndcg
        self.recommendedCategories = recommendedCategories
        self.coverage = coverage
        self.clientsWithRecommendations = clientsWithRecommendations
        self.clients = clients
    }
}

/// Streams clients' recommendations and purchases into `RankingMetrics`.
///
/// Feed every client with `add(recommended:actual:)`, `merge` the accumulators of parallel
/// workers, then `finish(categoryCount:)`. Sums are kept, not averages, so merging is exact.
package struct RankingAccumulator: Sendable, Hashable {
    package let k: Int
    private(set) var buyers = 0
    private(set) var hits = 0
    private(set) var precisionSum = 0.0
    private(set) var recallSum = 0.0
    private(set) var ndcgSum = 0.0
    private(set) var recommended: Set<String> = []
    private(set) var withRecommendations = 0
    private(set) var clients = 0

    /// - Parameter k: the list length the metrics are cut at (at least 1).
    package init(k: Int) {
        precondition(k >= 1, "k must be at least 1")
        self.k = k
    }

    /// Adds one client.
    ///
    /// - Parameters:
    ///   - recommended: the recommended categories, best first (only the first k count).
    ///   - actual: the categories the client bought in the horizon (empty: not a buyer; the
    ///     client then only counts for coverage).
    /// - Returns: the client's NDCG@k (above 0 exactly when it is a hit), nil for a non-buyer.
    @discardableResult
    package mutating func add(recommended list: some Sequence<String>, actual: Set<String>) -> Double? {
        clients += 1
        var seen: Set<String> = []
        var top: [String] = []
        for category in list {
            if top.count == k { break }
            top.append(category)
        }
        if !top.isEmpty { withRecommendations += 1 }
        recommended.formUnion(top)
        guard !actual.isEmpty else { return nil }
        buyers += 1
        var hitCount = 0
        var dcg = 0.0
        for (index, category) in top.enumerated() where seen.insert(category).inserted && actual.contains(category) {
            hitCount += 1
            dcg += 1 / log2(Double(index + 2))
        }
        var ideal = 0.0
        for index in 0..<min(k, actual.count) { ideal += 1 / log2(Double(index + 2)) }
        if hitCount > 0 { hits += 1 }
        precisionSum += Double(hitCount) / Double(k)
        recallSum += Double(hitCount) / Double(actual.count)
        ndcgSum += dcg / ideal
        return dcg / ideal
    }

    package mutating func merge(_ other: RankingAccumulator) {
        precondition(other.k == k, "cannot merge accumulators cut at different k (\(k) and \(other.k))")
        buyers += other.buyers
        hits += other.hits
        precisionSum += other.precisionSum
        recallSum += other.recallSum
        ndcgSum += other.ndcgSum
        recommended.formUnion(other.recommended)
        withRecommendations += other.withRecommendations
        clients += other.clients
    }

    /// The metrics; averages are 0 when there was no buyer.
    ///
    /// - Parameter categoryCount: how many categories exist (the coverage denominator).
    package func finish(categoryCount: Int) -> RankingMetrics {
        let n = Double(max(buyers, 1))
        return RankingMetrics(
            buyers: buyers,
            hits: hits,
            hitRate: Double(hits) / n,
            precision: precisionSum / n,
            recall: recallSum / n,
            ndcg: ndcgSum / n,
            recommendedCategories: recommended.count,
            coverage: categoryCount > 0 ? Double(recommended.count) / Double(categoryCount) : 0,
            clientsWithRecommendations: withRecommendations,
            clients: clients
        )
    }
}
