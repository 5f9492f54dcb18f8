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
    package init(_ purchases: UnsafeBufferPointer<Purchase>, order: __shared [Int32]? = nil, categoryOfPurchase: __shared [Int], categories: Int, decay: Double) {
        let n = purchases.count
        precondition(categoryOfPurchase.count == n && (order?.count ?? n) == n, "one category index and one order entry per line")
        guard n > 0 else {
            let none = [Int32](filled: 0, count: categories)
            let never = [Timestamp](filled: Timestamp(seconds: 0), count: categories)
            (categoryCount, categoryFirst, categoryLast, categoryDecayed) = (none, never, never, [Double](filled: 0, count: categories))
            return
        }
        // Everything is built through pointers into buffers of its own, then stored: this runs
        // for every client of every run, and an array written in a loop checks its bounds (and a
        // stored property its uniqueness) at every write. Per line in time order, its category;
        // per occasion (a run of lines of one order, or of one time), its first line and time.
        let lineCategory = UnsafeMutableBufferPointer<Int>.mallocated(capacity: n)
        let starts = UnsafeMutableBufferPointer<Int>.mallocated(capacity: n + 1)
        let occasionTimes = UnsafeMutableBufferPointer<Timestamp>.mallocated(capacity: n)
        // Per category: the last occasion that counted it (a category counts once per occasion),
        // occasions, first and last time, decayed weight.
        let stamp = UnsafeMutableBufferPointer<Int>.mallocated(capacity: categories)
        let count = UnsafeMutableBufferPointer<Int32>.mallocated(capacity: categories)
        let first = UnsafeMutableBufferPointer<Timestamp>.mallocated(capacity: categories)
        let last = UnsafeMutableBufferPointer<Timestamp>.mallocated(capacity: categories)
        let decayed = UnsafeMutableBufferPointer<Double>.mallocated(capacity: categories)
        defer {
            lineCategory.freed()
            starts.freed()
            occasionTimes.freed()
            stamp.freed()
            count.freed()
            first.freed()
            last.freed()
            decayed.freed()
        }
        stamp.initialize(repeating: -1)
        count.initialize(repeating: 0)
        first.initialize(repeating: Timestamp(seconds: 0))
        last.initialize(repeating: Timestamp(seconds: 0))
        decayed.initialize(repeating: 0)
        var occasions = 0
        categoryOfPurchase.withUnsafeBufferPointer { category in
            // `line` maps a position in time order to the line's index. The buffers are read and
            // written unchecked below, so every line and category index is checked here, once (one
            // unsigned comparison each): a bad `order` or category traps instead of reading or
            // writing outside them.
            @inline(__always) func checked(_ line: Int) -> Int {
                precondition(UInt(bitPattern: line) < UInt(n) && UInt(bitPattern: category[line]) < UInt(categories),
                             "a line or category index out of range")
                return line
            }
            func split(_ line: (Int) -> Int) {
                var previous = checked(line(0))
                starts[0] = 0
                occasionTimes[0] = purchases[previous].at
                lineCategory[0] = category[previous]
                occasions = 1
                for k in 1..<n {
                    let current = checked(line(k))
                    lineCategory[k] = category[current]
                    if !Self.sameOccasion(purchases, previous, current) {
                        starts[occasions] = k
                        occasionTimes[occasions] = purchases[current].at
                        occasions += 1
                    }
                    previous = current
                }
            }
            if let order {
                order.withUnsafeBufferPointer { order in split { Int(order[$0]) } }
            } else {
                split { $0 }
            }
        }
        starts[occasions] = n
        var weight = 1.0
        var total = 0.0
        var pairCount = 0
        // Newest first, so the weights are powers of `decay` without a pow per occasion; the
        // first and last occasion of each category come out of the same pass.
        var o = occasions - 1
        while o >= 0 {
            total += weight
            let at = occasionTimes[o]
            for k in starts[o]..<starts[o + 1] {
                let c = lineCategory[k]
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
        times = Array(UnsafeBufferPointer(rebasing: occasionTimes[..<occasions]))
        categoryCount = Array(count)
        categoryFirst = Array(first)
        categoryLast = Array(last)
        categoryDecayed = Array(decayed)
        decayTotal = total
        pairs = pairCount
        var bought = 0
        for c in 0..<categories where count[c] > 0 { bought += 1 }
        firstPairs = bought
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
