/// What clients bought next: a smoothed next-category model, by the newest category and by the
/// set of categories owned.
///
/// Fitted from every client's purchases in time order, two kinds of counts:
/// - each step from one purchase's category to the next *different* category counts one
///   transition `from → to`;
/// - each purchase after the first counts one `S → c`, where `S` is the set of distinct categories
///   of the client's earlier purchases and `c` the purchase's category, **including repeats**
///   (`c ∈ S`): buying an owned category again is a next purchase like any other, and these
///   counts are what learns how often clients at a given point of the ladder do it. (Counting
///   only new categories, or skipping a repeat of the previous category as the transitions do,
///   backtested worse: docs/evaluation.md.)
///
/// The affinity of a category `c` for a client whose recent distinct categories, newest first,
/// are `R = (r₁, r₂, …)` and whose owned categories are `S` is its lift: how much likelier `c` is
/// to come next for this client than for clients at large,
///
///     affinity(c | S, R) = P(c | S, R) / P_next(c)
///     P(c | S, R) = (n(S → c) + k_S · P(c | R)) / (n(S → ·) + k_S)
///     P(c | R) = P(c | r₁)                          when c ≠ r₁,
///     P(c | R) = mean over r ∈ R, r ≠ c of P(c | r)  when c = r₁ (a repeat),
///     P(c | r) = (n(r → c) + k · P(c)) / (n(r → ·) + k)
///
/// where `P(c)` is the Laplace-smoothed share of `c` among all transitions' targets, `k` the
/// transitions' smoothing strength (default 20 pseudo-transitions) and `k_S` the owned sets'
/// (default 10 pseudo-purchases). `P_next(c)` is the Laplace-smoothed share of `c` among all
/// purchases counted by owned set, `(Σ_S n(S → c) + 1) / (Σ_S n(S → ·) + K)` with `K` the known
/// categories (models without owned sets: `P(c)`). This is a hierarchical back-off: a category rarely seen as a
/// source is pulled towards the base rate `P(c)`, and an owned set seen rarely (or never: then
/// `n(S → ·) = 0` and the affinity is the newest-category model's) towards `P(c | R)`.
///
/// **Why the owned set.** The generator's clients (and an advisor's) climb a ladder: what comes
/// next depends on the highest rung reached and on what is already owned, which the set carries
/// and the newest category alone does not. Sets are few in practice (a few hundred for nine
/// categories), so they are counted exactly. Backtested on the generated population the set
/// lifts the engine's hit rate@3 from 0.732 to 0.777 over the newest category alone
/// (docs/evaluation.md).
///
/// **Why the newest category as the back-off.** The next purchase follows the newest one:
/// averaging over the last few categories blurs the step a client is on with steps already taken.
/// The transitions say nothing about buying the newest category again, so a repeat of `r₁` is
/// scored by what the client's older categories lead to (the base rate `P(c)` when there are
/// none). The affinity is finally clamped to `[minLift, maxLift]` (default 0.25…8; at most `K`
/// is reachable, so the upper clamp only guards catalogs with many categories).
///
/// **Why a lift.** The engine multiplies the affinity by the item's acceptance rate, fitted per
/// item and stage from every recorded response, which already carries how readily clients at
/// large take an offer of the category. A likelihood `P(c | S, R)` in its place would count the
/// category's popularity twice and push the most popular categories onto every list; the lift
/// keeps what is particular to the client. (Backtested on the generated population: hit rate@3
/// 0.777 → 0.784 on seed 42, 0.774 → 0.785 on seed 7; docs/evaluation.md.) Without recent
/// categories (a prospect), or before any transition was seen, the affinity is 1: the catalog's
/// lead offers and the acceptance rates decide (the transitions' base rate knows nothing of first
/// purchases, which are never a transition's target).
///
/// Models fitted before the owned sets were counted have none: every set is then unseen and the
/// affinity is the newest-category model's.
package struct AffinityModel: Sendable, Hashable {
    /// Transitions counted, `from → to → count`.
    package var transitions: [String: [String: Double]]
    /// Total transitions out of each `from`.
    package var outgoing: [String: Double]
    /// Transitions into each `to`.
    package var incoming: [String: Double]
    /// Total transitions.
    package var total: Double
    /// Purchases counted by the categories owned before them, `owned set → category → count`;
    /// each key is an owned set's categories, distinct and sorted (``ownedKey(_:)``).
    package var nextAfterOwned: [[String]: [String: Double]]
    /// Purchases counted after each owned set, `n(S → ·)`.
    package var ownedTotals: [[String]: Double]
    package var smoothing: Double
    /// Pseudo-purchases `k_S` pulling an owned set's estimate towards the newest-category model.
    package var ownedSmoothing: Double
    package var minLift: Double
    package var maxLift: Double

    package init(smoothing: Double = 20, ownedSmoothing: Double = 10, minLift: Double = 0.25, maxLift: Double = 8) {
        transitions = [:]
        outgoing = [:]
        incoming = [:]
        total = 0
        nextAfterOwned = [:]
        ownedTotals = [:]
        self.smoothing = smoothing
        self.ownedSmoothing = ownedSmoothing
        self.minLift = minLift
        self.maxLift = maxLift
    }

    /// Smoothed share of `category` among transition targets.
    package func baseRate(_ category: String) -> Double {
        let kinds = Double(max(incoming.count, 1))
        return ((incoming[category] ?? 0) + 1) / (total + kinds + 1)
    }

    /// `P_next(category)`, the smoothed share of `category` among all purchases counted by owned
    /// set: what the affinity is a lift over (`baseRate` for a model without owned sets).
    package func nextPurchaseShare(_ category: String) -> Double {
        guard !ownedTotals.isEmpty else { return baseRate(category) }
        let kinds = Double(max(incoming.count, 1))
        var count = 0.0
        for next in nextAfterOwned.values { count += next[category] ?? 0 }
        var purchases = 0.0
        for n in ownedTotals.values { purchases += n }
        return (count + 1) / (purchases + kinds)
    }

    /// The key of an owned set in ``nextAfterOwned``: its categories, distinct and sorted.
    package static func ownedKey(_ categories: some Sequence<String>) -> [String] {
        Set(categories).sorted()
    }

    /// The newest-category affinity of `category` for a client whose recent distinct categories,
    /// newest first, are `recent`, ignoring the owned set: `K · P(c | R)`, clamped (see the type).
    package func lift(of category: String, after recent: some Collection<String>) -> Double {
        lift(of: category, after: recent, ownedKey: nil)
    }

    /// The affinity of `category` for a client whose recent distinct categories, newest first,
    /// are `recent` and who owns the categories `owned` (see the type).
    package func lift(of category: String, after recent: some Collection<String>, owning owned: some Sequence<String>) -> Double {
        lift(of: category, after: recent, ownedKey: Self.ownedKey(owned))
    }

    private func lift(of category: String, after recent: some Collection<String>, ownedKey: [String]?) -> Double {
        guard total > 0, let newest = recent.first else { return 1 }
        // A category nobody has bought yet: no evidence either way.
        guard let into = incoming[category] else { return 1 }
        let kinds = Double(max(incoming.count, 1))
        let base = (into + 1) / (total + kinds + 1)
        var likelihood: Double
        if newest != category {
            likelihood = probability(of: category, after: newest, base: base)
        } else {
            // A repeat of the newest category: what the older categories lead to.
            var sum = 0.0
            var n = 0.0
            for from in recent.dropFirst() where from != category {
                sum += probability(of: category, after: from, base: base)
                n += 1
            }
            likelihood = n > 0 ? sum / n : base
        }
        // What clients owning the same set bought next, backed off to the newest-category model.
        // (Written as share + weight × likelihood, which the engine's table precomputes per set.)
        if let ownedKey, let next = nextAfterOwned[ownedKey], let n = ownedTotals[ownedKey] {
            let share = (next[category] ?? 0) / (n + ownedSmoothing)
            let weight = ownedSmoothing / (n + ownedSmoothing)
            likelihood = share + weight * likelihood
        }
        return min(maxLift, max(minLift, likelihood / nextPurchaseShare(category)))
    }

    /// The smoothed `P(category | from)`, given the category's base rate.
    private func probability(of category: String, after from: String, base: Double) -> Double {
        guard let targets = transitions[from] else { return base }
        let out = outgoing[from] ?? 0
        return ((targets[category] ?? 0) + smoothing * base) / (out + smoothing)
    }

    /// Streams clients' purchase sequences into an `AffinityModel`.
    ///
    /// Feed each client with `add(categories:)` (categories of the purchases in time order),
    /// `merge` partial accumulators of parallel workers, then `finish()`.
    package struct Accumulator: Sendable {
        private var model: AffinityModel

        package init(smoothing: Double = 20, ownedSmoothing: Double = 10, minLift: Double = 0.25, maxLift: Double = 8) {
            model = AffinityModel(smoothing: smoothing, ownedSmoothing: ownedSmoothing, minLift: minLift, maxLift: maxLift)
        }

        /// Adds one client's purchase categories, oldest first.
        package mutating func add(categories: some Sequence<String>) {
            var previous: String?
            var owned: [String] = []
            for category in categories {
                if let from = previous, from != category {
                    model.transitions[from, default: [:]][category, default: 0] += 1
                    model.outgoing[from, default: 0] += 1
                    model.incoming[category, default: 0] += 1
                    model.total += 1
                }
                if previous != nil {
                    // Every purchase after the first, repeats included: owned set → category.
                    model.nextAfterOwned[owned, default: [:]][category, default: 0] += 1
                    model.ownedTotals[owned, default: 0] += 1
                }
                if !owned.contains(category) {
                    owned.append(category)
                    owned.sort()
                }
                previous = category
            }
        }

        /// Adds one client's purchases up to `asOf`, sorted by time.
        package mutating func add(purchases: [Purchase], asOf: Timestamp) {
            add(categories: purchases.filter { $0.at <= asOf }.sorted { ($0.at, $0.productID) < ($1.at, $1.productID) }.map(\.category))
        }

        package mutating func merge(_ other: Accumulator) {
            for (from, targets) in other.model.transitions {
                for (to, count) in targets { model.transitions[from, default: [:]][to, default: 0] += count }
            }
            for (k, v) in other.model.outgoing { model.outgoing[k, default: 0] += v }
            for (k, v) in other.model.incoming { model.incoming[k, default: 0] += v }
            model.total += other.model.total
            for (owned, next) in other.model.nextAfterOwned {
                for (to, count) in next { model.nextAfterOwned[owned, default: [:]][to, default: 0] += count }
            }
            for (k, v) in other.model.ownedTotals { model.ownedTotals[k, default: 0] += v }
        }

        package func finish() -> AffinityModel { model }
    }
}
