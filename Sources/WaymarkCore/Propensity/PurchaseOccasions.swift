/// A client's purchases grouped into occasions, with what each category's repeat behaviour needs.
///
/// An occasion is one order (lines sharing an `order_id`) or, without order ids, the lines of one
/// client at one timestamp. Lifetime value, gaps and stages count occasions; the propensity counts
/// per category the occasions that contained it, so a basket of five lines of coffee is one
/// coffee occasion, not five.
///
/// Categories are indexed by the caller (the facts' category table), `0..<categoryCount`.
package struct PurchaseOccasions: Sendable, Hashable {
    /// The occasions' times, oldest first (the first line's time for an order).
    package var times: [Timestamp] = []
    /// Per category: occasions containing it, first and last such occasion.
    package var categoryCount: [Int32] = []
    package var categoryFirst: [Timestamp] = []
    package var categoryLast: [Timestamp] = []
    /// Per category: Σ decay^(age in occasions) over the occasions containing it, where the newest
    /// occasion has age 0 (personal frequency weighted towards recent baskets, as TIFU-KNN does).
    package var categoryDecayed: [Double] = []
    /// Σ decay^(age) over all occasions: `categoryDecayed[c] / decayTotal` is a decayed share.
    package var decayTotal: Double = 0
    /// Category-occasion pairs, and how many of them were the client's first of the category.
    package var pairs = 0
    package var firstPairs = 0

    package init() {}

    /// Groups `purchases` (sorted by time) into occasions.
    ///
    /// - Parameters:
    ///   - purchases: the client's lines up to as_of.
    ///   - order: the lines' indices oldest first, nil when `purchases` are in that order.
    ///   - categoryOfPurchase: per line (indexed like `purchases`), its category's index.
    ///   - categories: how many categories the indices range over.
    ///   - decay: the per-occasion decay of `categoryDecayed` (0 < decay ≤ 1).
    package init(_ purchases: UnsafeBufferPointer<Purchase>, order: [Int32]? = nil, categoryOfPurchase: [Int], categories: Int, decay: Double) {
        categoryCount = [Int32](repeating: 0, count: categories)
        categoryFirst = [Timestamp](repeating: Timestamp(seconds: 0), count: categories)
        categoryLast = [Timestamp](repeating: Timestamp(seconds: 0), count: categories)
        categoryDecayed = [Double](repeating: 0, count: categories)
        guard !purchases.isEmpty else { return }
        // Occasions are runs of consecutive lines: `starts[o]` is the first line of occasion o.
        var starts: [Int] = []
        starts.reserveCapacity(purchases.count)
        @inline(__always) func line(_ k: Int) -> Int { order.map { Int($0[k]) } ?? k }
        for k in purchases.indices where k == 0 || !Self.sameOccasion(purchases[line(k - 1)], purchases[line(k)]) {
            starts.append(k)
            times.append(purchases[line(k)].at)
        }
        let m = starts.count
        // A category counts once per occasion: `stamp[c]` is the last occasion that counted it.
        var stamp = [Int32](repeating: -1, count: categories)
        var weight = 1.0
        // Newest first, so the weights are powers of `decay` without a pow per occasion; the
        // first and last occasion of each category come out of the same pass.
        for o in stride(from: m - 1, through: 0, by: -1) {
            decayTotal += weight
            let end = o + 1 < m ? starts[o + 1] : purchases.count
            for k in starts[o]..<end {
                let c = categoryOfPurchase[line(k)]
                guard stamp[c] != Int32(o) else { continue }
                stamp[c] = Int32(o)
                categoryDecayed[c] += weight
                if categoryCount[c] == 0 { categoryLast[c] = times[o] }
                categoryCount[c] += 1
                categoryFirst[c] = times[o]
                pairs += 1
            }
            weight *= decay
        }
        for c in 0..<categories where categoryCount[c] > 0 { firstPairs += 1 }
    }

    /// Whether two consecutive lines belong to one occasion: the same order, or without order ids
    /// the same time.
    @inline(__always)
    package static func sameOccasion(_ a: Purchase, _ b: Purchase) -> Bool {
        if let x = a.orderID, let y = b.orderID { return x == y }
        if a.orderID != nil || b.orderID != nil { return false }
        return a.at == b.at
    }

    /// The number of occasions.
    package var count: Int { times.count }

    /// The number of occasions among `lines` in any order, without building the rest.
    package static func count(of lines: [Purchase]) -> Int {
        let sorted = lines.sorted { ($0.at, $0.orderID ?? "") < ($1.at, $1.orderID ?? "") }
        var count = 0
        for i in sorted.indices where i == 0 || !sameOccasion(sorted[i - 1], sorted[i]) { count += 1 }
        return count
    }
}
