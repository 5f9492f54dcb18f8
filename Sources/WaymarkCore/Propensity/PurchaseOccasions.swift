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
        // Built in local arrays (a stored property would be checked for uniqueness at every
        // write: this runs for every client of every run), then stored.
        var count = [Int32](filled: 0, count: categories)
        var first = [Timestamp](filled: Timestamp(seconds: 0), count: categories)
        var last = [Timestamp](filled: Timestamp(seconds: 0), count: categories)
        var decayed = [Double](filled: 0, count: categories)
        let n = purchases.count
        guard n > 0 else {
            (categoryCount, categoryFirst, categoryLast, categoryDecayed) = (count, first, last, decayed)
            return
        }
        precondition(categoryOfPurchase.count == n && (order?.count ?? n) == n, "one category index and one order entry per line")
        @inline(__always) func line(_ k: Int) -> Int { order.map { Int($0[k]) } ?? k }
        // Occasions are runs of consecutive lines: `starts[o]` is the first line of occasion o.
        var starts: [Int] = []
        starts.reserveCapacity(n + 1)
        var occasionTimes: [Timestamp] = []
        occasionTimes.reserveCapacity(n)
        for k in 0..<n where k == 0 || !Self.sameOccasion(purchases, line(k - 1), line(k)) {
            starts.append(k)
            occasionTimes.append(purchases[line(k)].at)
        }
        starts.append(n)
        // A category counts once per occasion: `stamp[c]` is the last occasion that counted it.
        var stamp = [Int](filled: -1, count: categories)
        var weight = 1.0
        var total = 0.0
        var pairCount = 0
        // Newest first, so the weights are powers of `decay` without a pow per occasion; the
        // first and last occasion of each category come out of the same pass.
        var o = occasionTimes.count - 1
        while o >= 0 {
            total += weight
            let at = occasionTimes[o]
            var k = starts[o]
            while k < starts[o + 1] {
                let c = categoryOfPurchase[line(k)]
                k += 1
                guard stamp[c] != o else { continue }
                stamp[c] = o
                decayed[c] += weight
                if count[c] == 0 { last[c] = at }
                count[c] += 1
                first[c] = at
                pairCount += 1
            }
            weight *= decay
            o -= 1
        }
        times = occasionTimes
        (categoryCount, categoryFirst, categoryLast, categoryDecayed) = (count, first, last, decayed)
        decayTotal = total
        pairs = pairCount
        firstPairs = count.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
    }

    /// `sameOccasion(_:_:)` for lines `i` and `j` of `lines`, read in place.
    @inline(__always)
    static func sameOccasion(_ lines: UnsafeBufferPointer<Purchase>, _ i: Int, _ j: Int) -> Bool {
        // Field by field in place: no copy (and no retain) of either line's strings.
        switch (lines[i].orderID != nil, lines[j].orderID != nil) {
        case (true, true): return lines[i].orderID == lines[j].orderID
        case (false, false): return lines[i].at == lines[j].at
        default: return false
        }
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
