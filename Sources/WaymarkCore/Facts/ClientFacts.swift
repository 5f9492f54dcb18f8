internal import Foundation

/// Every fact of one client at one date, precomputed for fast rule evaluation and scoring.
///
/// Built once per client and as_of by `ClientFacts.init(snapshot:asOf:catalog:models:)`; rules
/// then read it through `RuleContext` (set and dictionary look-ups, no scan of the timeline
/// except for the small interaction and response lists). Only data at or before `asOf` is used:
/// later purchases, events, interactions, responses and ledger entries are ignored, as is a
/// reaction recorded after `asOf` to an earlier presentation.
package struct ClientFacts: Sendable {
    package var clientID: String
    package var asOf: Timestamp
    package var profile: ClientProfile

    // Lifecycle
    package var age: Int?
    package var tenureDays: Int
    package var stage: StageAssessment

    // Purchases
    package var purchaseCount: Int
    package var totalSpend: Double
    package var averageSpend: Double
    package var firstPurchase: Timestamp?
    package var lastPurchase: Timestamp?
    /// The mean gap between purchases in days, nil with fewer than two purchases.
    package var usualGapDays: Double?
    package var recencyScore: Int
    package var frequencyScore: Int
    package var monetaryScore: Int

    // Lifetime value
    package var pAlive: Double
    package var expectedPurchases90d: Double
    package var clv12m: Double

    // Loyalty
    package var loyalty: LoyaltyStatus

    // Ownership and recency
    /// The products the client bought (built on demand; `owns(product:)` answers without it).
    package var ownedProducts: Set<String> { Set(lastPurchaseOfProduct.keys.keys) }
    /// The categories the client bought (built on demand; `ownsCategory(_:)` answers without it).
    package var ownedCategories: Set<String> { Set(lastPurchaseOfCategory.keys.keys) }
    /// Categories bought in the last 90 days, sorted.
    package var recentCategories: [String] {
        get {
            guard case .list(let values) = recentCategoriesValue else { return [] }
            return values.compactMap { if case .string(let name) = $0 { name } else { nil } }
        }
        set { recentCategoriesValue = .list(newValue.map { .string($0) }) }
    }
    /// The categories bought in the last 90 days as the rule value rules read (built once per
    /// client, and the only copy: `recentCategories` reads it).
    var recentCategoriesValue: RuleValue
    /// The distinct categories of the last three purchases, newest first (affinity input).
    package var lastCategories: [String]
    /// The purchases grouped into occasions, with per-category repeat statistics indexed like
    /// `lastPurchaseOfCategory` (the propensity's input).
    package var occasions: PurchaseOccasions
    /// Last purchase time per product id.
    var lastPurchaseOfProduct: SmallLastSeen
    /// Last purchase time per category.
    var lastPurchaseOfCategory: SmallLastSeen

    /// The last purchase of the category, or else of the product, with this id.
    package func lastPurchase(of productOrCategory: String) -> Timestamp? {
        lastPurchaseOfCategory.last(productOrCategory) ?? lastPurchaseOfProduct.last(productOrCategory)
    }

    /// `lastPurchase(of:)` for a literal, probing the tables with its precomputed fingerprint.
    func lastPurchase(of productOrCategory: RuleKey) -> Timestamp? {
        lastPurchaseOfCategory.last(productOrCategory) ?? lastPurchaseOfProduct.last(productOrCategory)
    }

    /// The client's household or business account: members, roles, total spend and what the
    /// other members own (`account.*` in rules, the household ownership check).
    package var account: AccountFacts

    // Events, interactions, responses
    /// The latest time of each life-event kind (built on demand from `lastEventOfKind`).
    package var lastEventByKind: [String: Timestamp] {
        get { Dictionary(zip(lastEventOfKind.keys.keys, lastEventOfKind.times), uniquingKeysWith: { max($0, $1) }) }
        set { lastEventOfKind = Self.table(newValue) }
    }
    /// `lastEventByKind` as a fingerprint table (`event_within`, `days_since_event` read it).
    var lastEventOfKind: SmallLastSeen
    /// Interactions up to as_of, in the snapshot's order.
    package var interactions: [Interaction]
    package var interactions90d: Int
    /// Interactions per channel in the last 90 days, indexed by `Channel.ordinal`.
    package var interactions90dByChannel: [Int]
    package var advocate: Bool
    /// Responses presented up to as_of, with the outcome known at as_of, newest first.
    package var responses: [Response]
    /// The last presentation of anything, in any channel.
    package var lastContact: Timestamp?
    /// The item ids the client responded to (built once; `responded_within` reads it).
    var respondedItems: SmallKeys
    /// Per item of `respondedItems`, the index into `responses` of its newest response.
    var newestResponse: [Int32]
    /// Per response, the index of the same item's next older response, -1 for the oldest.
    package var olderResponse: [Int32]

    /// Computes every fact of `snapshot` at `asOf`.
    ///
    /// - Parameters:
    ///   - snapshot: the client's profile and timeline (may contain data after `asOf`, ignored).
    ///   - asOf: the date of the facts.
    ///   - thresholds: the catalog's lifecycle thresholds.
    ///   - loyalty: the catalog's loyalty programme.
    ///   - models: the fitted models (defaults: heuristics, see docs/catalog.md).
    ///
    /// The arguments are borrowed (`__shared`), not taken: an initializer otherwise takes its
    /// arguments owned, and the caller copies (retains every array in) the snapshot and the
    /// models for each client.
    package init(
        snapshot: __shared ClientSnapshot,
        asOf: Timestamp,
        thresholds: __shared LifecycleThresholds = LifecycleThresholds(),
        loyalty: __shared LoyaltyProgram = LoyaltyProgram(),
        models: __shared FittedModels = FittedModels()
    ) {
        // The profile is read in place from the snapshot and copied once, into `profile` (each
        // copy retains its strings and attributes).
        clientID = snapshot.profile.id
        self.asOf = asOf
        profile = snapshot.profile
        age = snapshot.profile.birthDate.map { Self.years(from: $0, to: asOf) }
        tenureDays = max(0, asOf.days(since: snapshot.profile.firstSeen))

        // Purchases up to as_of, read oldest first through `order`, a permutation (nil when the
        // store already sorted them): the purchases themselves are never copied or moved (each
        // holds several strings).
        var purchases = snapshot.purchases
        if !Self.allAtOrBefore(asOf, purchases, \.at) { purchases.removeAll { $0.at > asOf } }
        let order = purchases.withUnsafeBufferPointer { Self.chronologicalOrder($0) }
        // In cents, as a Double: exact to 2^53 cents, and no overflow however much a client bought.
        var total = 0.0
        // Distinct products and categories with their last purchase: a short linear list (few
        // distinct keys per client) is much cheaper than hashing every purchase's strings.
        // Room for a typical client's distinct products and categories (the tables grow beyond).
        var keys = SmallLastSeen(capacity: min(purchases.count, 32))
        // (Categories are looked up through each product's cached index, not by their value.)
        var categories = SmallLastSeen(capacity: min(purchases.count, 16), recentCache: false)
        // "The last 90 days" as every within counts them (`Timestamp.start(ofLast:)`).
        let recentStart = asOf.start(ofLast: 90)
        // Per purchase, in the snapshot's order, its product's and its category's index, written
        // through pointers (an `append` or a table's `touch` per line checked an array's
        // uniqueness each time: 600 runtime calls for 200 lines); the last times are taken
        // afterwards in one pass per table.
        let productOf = UnsafeMutableBufferPointer<Int>.mallocated(capacity: purchases.count)
        let categoryOf = UnsafeMutableBufferPointer<Int>.mallocated(capacity: purchases.count)
        // The category index last seen with each product index (at most one product per line): a
        // product keeps its category, so one cheap equality check (usually on the same string
        // storage) replaces a search.
        let categoryOfProduct = UnsafeMutableBufferPointer<Int>.mallocated(capacity: purchases.count)
        var productCount = 0
        defer {
            productOf.freed()
            categoryOf.freed()
            categoryOfProduct.freed()
        }
        // Read in place: no copy (and no retain) of each purchase.
        // In the snapshot's order: a product's or category's last time, the total and each
        // line's category do not depend on the order the lines are visited in.
        purchases.withUnsafeBufferPointer { buffer in
            for i in buffer.indices {
                let at = buffer[i].at
                total += Double(buffer[i].amountCents)
                // A product id seen as this very value is found from the bits of its string,
                // without reading (or retaining) the string.
                let product: Int
                if let base = buffer.baseAddress,
                   let k = keys.keys.cachedIndex(bits: SmallKeys.bits(at: UnsafeRawPointer(base + i), offset: Self.productIDOffset)) {
                    product = k
                } else {
                    product = keys.record(buffer[i].productID, at)
                }
                if product == productCount {
                    categoryOfProduct[product] = -1
                    productCount += 1
                }
                let cached = categoryOfProduct[product]
                let category: Int
                if cached >= 0, categories.keys.keys[cached] == buffer[i].category {
                    category = cached
                } else {
                    category = categories.record(buffer[i].category, at)
                    categoryOfProduct[product] = category
                }
                productOf[i] = product
                categoryOf[i] = category
            }
            keys.touch(UnsafeBufferPointer(productOf), at: buffer)
            categories.touch(UnsafeBufferPointer(categoryOf), at: buffer)
        }
        let categoryOfPurchase = Array(categoryOf)
        lastPurchaseOfProduct = keys
        lastPurchaseOfCategory = categories
        // Occasions (orders, or the lines of one timestamp): what gaps, stages and lifetime count.
        let occasions = purchases.withUnsafeBufferPointer {
            PurchaseOccasions($0, order: order, categoryOfPurchase: categoryOfPurchase, categories: categories.keys.keys.count,
                              decay: models.propensity?.decay ?? 0.9)
        }
        // Purchases are occasions: an order's lines (or one timestamp's) count once.
        purchaseCount = occasions.count
        let times = occasions.times
        // Moved, not copied (a copy retains each of its arrays).
        self.occasions = consume occasions
        // Sorted by name, as indices (no intermediate array of names).
        let names = categories.keys.keys
        var recent: [Int] = []
        for (k, at) in categories.times.enumerated() where at > recentStart { recent.append(k) }
        recent.sort { names[$0] < names[$1] }
        var recentValues: [RuleValue] = []
        recentValues.reserveCapacity(recent.count)
        for k in recent { recentValues.append(.string(names[k])) }
        recentCategoriesValue = .list(recentValues)
        lastCategories = Self.newestCategories(purchases, order: order)
        totalSpend = total / 100
        averageSpend = times.isEmpty ? 0 : totalSpend / Double(times.count)
        firstPurchase = times.first
        lastPurchase = purchases.isEmpty ? nil : purchases[order.map { Int($0[purchases.count - 1]) } ?? purchases.count - 1].at
        usualGapDays = LifecycleAssessor.usualGapDays(times[...])

        if let lastPurchase {
            let days = asOf.days(since: lastPurchase)
            recencyScore = models.rfm.recencyScore(daysSinceLast: days)
            frequencyScore = models.rfm.frequencyScore(purchases: purchaseCount)
            monetaryScore = models.rfm.monetaryScore(totalSpend: totalSpend)
        } else {
            recencyScore = 0
            frequencyScore = 0
            monetaryScore = 0
        }

        // Lifetime value.
        let lifetime = Self.lifetime(times: times, averageSpend: averageSpend, asOf: asOf, thresholds: thresholds, models: models)
        pAlive = lifetime.pAlive
        expectedPurchases90d = lifetime.expected90
        clv12m = lifetime.clv

        stage = LifecycleAssessor(thresholds: thresholds)
            .assess(LifecycleInput(purchaseTimes: times, pAlive: pAlive, recorded: snapshot.recordedStage,
                                   firstSeen: snapshot.profile.firstSeen), asOf: asOf)
        self.loyalty = loyalty.status(
            purchases: purchases, categoryIndex: categoryOfPurchase, multipliers: loyalty.multipliers(for: categories.keys),
            ledger: snapshot.loyaltyLedger, interactions: snapshot.interactions, asOf: asOf)

        // Life events: the latest time per kind.
        var eventKinds = SmallLastSeen(capacity: min(snapshot.lifeEvents.count, 16), recentCache: false)
        for event in snapshot.lifeEvents where event.at <= asOf {
            eventKinds.record(event.kind, event.at)
        }
        lastEventOfKind = eventKinds

        // Interactions.
        // Kept in the snapshot's order (only counted by time, never read in order): no copy
        // unless some are after as_of.
        var inter = snapshot.interactions
        if !Self.allAtOrBefore(asOf, inter, \.at) { inter.removeAll { $0.at > asOf } }
        interactions = inter
        var byChannel = [Int](filled: 0, count: Channel.allCases.count)
        var count90 = 0
        var advocacy = false
        inter.withUnsafeBufferPointer { buffer in
            for i in buffer.indices {
                if !advocacy, buffer[i].isAdvocacy { advocacy = true }
                if buffer[i].at > recentStart {
                    count90 += 1
                    byChannel[buffer[i].channel.ordinal] += 1
                }
            }
        }
        interactions90d = count90
        interactions90dByChannel = byChannel
        advocate = advocacy

        // Responses as known at as_of: the snapshot's own array when every one is (no copy of
        // each response's strings), else the ones presented by then with the outcome known then.
        var known: [Response]
        if Self.allKnownAsRecorded(snapshot.responses, asOf: asOf) {
            known = snapshot.responses
        } else {
            known = []
            known.reserveCapacity(snapshot.responses.count)
            for response in snapshot.responses {
                guard let outcome = response.outcome(asOf: asOf) else { continue }
                var copy = response
                copy.outcome = outcome
                if outcome == .presented { copy.respondedAt = nil }
                known.append(copy)
            }
        }
        if !Self.isNewestFirst(known, \.presentedAt) { known.sort { $0.presentedAt > $1.presentedAt } }
        // Per item, its newest response and a chain to the next older one (no array per item).
        (respondedItems, newestResponse, olderResponse) = known.withUnsafeBufferPointer { Self.responseChains($0) }
        responses = known
        lastContact = known.first?.presentedAt
        account = AccountFacts(profile: snapshot.profile, others: snapshot.accountMembers, ownSpend: totalSpend, ownStage: stage.stage, asOf: asOf)
    }

    /// Where a purchase's product id sits in it.
    static let productIDOffset = MemoryLayout<Purchase>.offset(of: \Purchase.productID)!

    /// The order of `purchases` by time, then order id (lines without one first), as indices,
    /// equal keys in the snapshot's order; nil when they are in that order already. The order id
    /// keeps the lines of two orders at one time apart: the store reads a client's lines in no
    /// particular order within the client, and interleaved they would split into more occasions,
    /// a different count from one read to the next. Every fact but the newest categories is then
    /// the same whatever the order of equal keys (see `newestCategories`).
    static func chronologicalOrder(_ purchases: UnsafeBufferPointer<Purchase>) -> [Int32]? {
        var i = 1
        while i < purchases.count, !precedes(purchases, i, i - 1) { i += 1 }
        guard i < purchases.count else { return nil }
        var order = [Int32](0..<Int32(purchases.count))
        order.sort { i, j in precedes(purchases, Int(i), Int(j)) || (!precedes(purchases, Int(j), Int(i)) && i < j) }
        return order
    }

    /// Whether line `i` comes strictly before line `j`: by time, then order id (none first). The
    /// ids are compared only on equal times, in place.
    @inline(__always)
    static func precedes(_ lines: UnsafeBufferPointer<Purchase>, _ i: Int, _ j: Int) -> Bool {
        let x = lines[i].at, y = lines[j].at
        if x != y { return x < y }
        switch (lines[i].orderID != nil, lines[j].orderID != nil) {
        case (true, true): return lines[i].orderID! < lines[j].orderID!
        case (false, true): return true
        default: return false
        }
    }

    /// The distinct categories of the three newest lines, newest first: by time, then by product
    /// id, descending (the lines of one time in any order give the same answer).
    static func newestCategories(_ purchases: [Purchase], order: [Int32]?) -> [String] {
        guard !purchases.isEmpty else { return [] }
        @inline(__always) func line(_ k: Int) -> Int { order.map { Int($0[k]) } ?? k }
        // Every line from the third newest's time on (a basket's lines share a time).
        let n = purchases.count
        let since = purchases[line(max(0, n - 3))].at
        var k = n - 1
        var newest: [Int] = []
        newest.reserveCapacity(4)
        while k >= 0, purchases[line(k)].at >= since {
            newest.append(line(k))
            k -= 1
        }
        if newest.count > 1 {
            newest.sort { x, y in
                purchases[x].at != purchases[y].at ? purchases[x].at > purchases[y].at : purchases[x].productID > purchases[y].productID
            }
        }
        var categories: [String] = []
        categories.reserveCapacity(3)
        for index in newest.prefix(3) where !categories.contains(purchases[index].category) {
            categories.append(purchases[index].category)
        }
        return categories
    }

    /// The fingerprint table of `lastByKey`.
    static func table(_ lastByKey: [String: Timestamp]) -> SmallLastSeen {
        var table = SmallLastSeen()
        for (key, at) in lastByKey { table.record(key, at) }
        return table
    }

    /// Whether every element's `time` is at or before `asOf` (read in place, no copy of an element).
    static func allAtOrBefore<T>(_ asOf: Timestamp, _ elements: [T], _ time: (T) -> Timestamp) -> Bool {
        elements.withUnsafeBufferPointer { buffer in
            for i in buffer.indices where time(buffer[i]) > asOf { return false }
            return true
        }
    }

    /// Whether `elements` are in non-increasing order of `key`.
    static func isNewestFirst<T>(_ elements: [T], _ key: (T) -> Timestamp) -> Bool {
        var i = 1
        while i < elements.count {
            if key(elements[i]) > key(elements[i - 1]) { return false }
            i += 1
        }
        return true
    }

    /// Whole years from `birth` to `date` (calendar years, UTC).
    static func years(from birth: Timestamp, to date: Timestamp) -> Int {
        let b = birth.civil
        let d = date.civil
        var years = d.year - b.year
        if (d.month, d.day) < (b.month, b.day) { years -= 1 }
        return max(0, years)
    }

    /// p_alive, expected purchases in 90 days and 12-month CLV.
    ///
    /// With a fitted lifetime model: frequency = repeat purchases, recency = first to last
    /// purchase, age = first purchase to as_of (in the model's time unit). Without one, the
    /// heuristic: p_alive = 1 while the days since the last purchase stay within the usual gap
    /// g (default_gap_days with one purchase), then exp(−(days − g) / 2g); expected purchases
    /// in 90 days = p_alive · 90 / g. CLV = expected purchases in 365 days × expected average
    /// spend (Gamma-Gamma when fitted, else the client's average). A prospect has p_alive 1,
    /// no expected purchase and CLV 0.
    static func lifetime(
        times: [Timestamp], averageSpend: Double, asOf: Timestamp,
        thresholds: LifecycleThresholds, models: FittedModels
    ) -> (pAlive: Double, expected90: Double, clv: Double) {
        guard let first = times.first, let last = times.last else { return (1, 0, 0) }
        let spend = models.spend?.expectedAverageSpend(frequency: Double(times.count - 1), averageSpend: averageSpend) ?? averageSpend
        if let model = models.purchases {
            let unit = max(models.timeUnitDays, 1e-9)
            let repeats = times.count - 1
            let recency = last.fractionalDays(since: first) / unit
            let age = max(recency, asOf.fractionalDays(since: first) / unit)
            let p = model.probabilityAlive(frequency: repeats, recency: recency, age: age)
            var e90 = model.expectedPurchases(in: 90 / unit, frequency: repeats, recency: recency, age: age)
            var e365 = model.expectedPurchases(in: 365 / unit, frequency: repeats, recency: recency, age: age)
            if !e90.isFinite { e90 = 0 }
            if !e365.isFinite { e365 = 0 }
            return (p.isFinite ? min(1, max(0, p)) : 0, e90, e365 * spend)
        }
        let gap = LifecycleAssessor.usualGapDays(times[...]) ?? Double(thresholds.defaultGapDays)
        let days = asOf.fractionalDays(since: last)
        let p = days <= gap ? 1 : exp(-(days - gap) / (2 * gap))
        return (p, p * 90 / gap, p * 365 / gap * spend)
    }
}
