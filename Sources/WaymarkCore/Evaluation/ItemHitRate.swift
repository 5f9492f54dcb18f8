/// How one catalog offer fared in the backtest: how many clients the engine recommended it to
/// (within the first k), and how many of them bought its category in the horizon.
package struct ItemHitRate: Sendable, Hashable, Codable {
    package var itemID: String
    package var category: String
    /// Clients it was recommended to.
    package var recommended: Int
    /// `recommended` / every evaluated client (the item's reach).
    package var clientShare: Double
    /// Of those, clients who bought anything in the horizon.
    package var buyers: Int
    /// Of those, clients who bought the offer's category in the horizon.
    package var hits: Int
    /// `hits` / `recommended` (0 when never recommended).
    package var hitRate: Double
}

/// Counts recommendations and hits per offer item.
package struct ItemHitAccumulator: Sendable, Hashable {
    private struct Tally: Sendable, Hashable {
        var category: String
        var recommended = 0
        var buyers = 0
        var hits = 0
    }

    private var tallies: [String: Tally] = [:]

    package init() {}

    /// Adds one recommendation of `itemID` (of `category`) to a client.
    package mutating func add(itemID: String, category: String, buyer: Bool, hit: Bool) {
        tallies[itemID, default: Tally(category: category)].recommended += 1
        if buyer { tallies[itemID]!.buyers += 1 }
        if hit { tallies[itemID]!.hits += 1 }
    }

    package mutating func merge(_ other: ItemHitAccumulator) {
        for (id, tally) in other.tallies {
            tallies[id, default: Tally(category: tally.category)].recommended += tally.recommended
            tallies[id]!.buyers += tally.buyers
            tallies[id]!.hits += tally.hits
        }
    }

    /// Distinct items recommended.
    package var count: Int { tallies.count }

    /// Every item, recommended or listed in `catalog` (never-recommended items with zeros), most
    /// recommended first, then the most hits, then the id.
    ///
    /// - Parameters:
    ///   - catalog: the catalog's offers (id → category); nil lists the recommended ones only.
    ///   - clients: every evaluated client (the reach denominator).
    package func finish(catalog: [String: String]?, clients: Int) -> [ItemHitRate] {
        var all = tallies
        for (id, category) in catalog ?? [:] where all[id] == nil { all[id] = Tally(category: category) }
        return all.map { id, t in
            ItemHitRate(itemID: id, category: t.category, recommended: t.recommended,
                        clientShare: clients > 0 ? Double(t.recommended) / Double(clients) : 0,
                        buyers: t.buyers, hits: t.hits, hitRate: t.recommended > 0 ? Double(t.hits) / Double(t.recommended) : 0)
        }.sorted { ($1.recommended, $1.hits, $0.itemID) < ($0.recommended, $0.hits, $1.itemID) }
    }
}
