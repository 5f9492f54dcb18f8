/// What clients bought next after a category: a smoothed next-category model.
///
/// Fitted from every client's purchases in time order: each step from one purchase's category to
/// the next *different* category counts one transition `from → to`. The affinity of a category `c`
/// for a client whose recent categories are `R` is how likely `c` is to come next, relative to a
/// uniform pick among the `K` known categories:
///
///     affinity(c | R) = K · mean over r ∈ R, r ≠ c of P(c | r),
///     P(c | r) = (n(r → c) + k · P(c)) / (n(r → ·) + k)
///
/// where `P(c)` is the Laplace-smoothed share of `c` among all transitions' targets and `k` the
/// smoothing strength (default 20 pseudo-transitions). A category rarely seen as a source is
/// pulled towards the base rate `P(c)`, so rare categories do not explode. The transitions say
/// nothing about buying the same category again, so `c` itself is left out of `R`; when nothing
/// is left, the base rate `K · P(c)` stands. The affinity is finally clamped to
/// `[minLift, maxLift]` (default 0.25…4).
///
/// This ranks by likelihood, not by lift: a lift `P(c | r) / P(c)` would discount exactly the
/// categories a client is most likely to buy (a common next step has a lift near 1) and favour
/// rare ones. Without recent categories (a prospect), or before any transition was seen, the
/// affinity is 1: the catalog's lead offers and priors decide.
package struct AffinityModel: Sendable, Hashable {
    /// Transitions counted, `from → to → count`.
    package var transitions: [String: [String: Double]]
    /// Total transitions out of each `from`.
    package var outgoing: [String: Double]
    /// Transitions into each `to`.
    package var incoming: [String: Double]
    /// Total transitions.
    package var total: Double
    package var smoothing: Double
    package var minLift: Double
    package var maxLift: Double

    package init(smoothing: Double = 20, minLift: Double = 0.25, maxLift: Double = 4) {
        transitions = [:]
        outgoing = [:]
        incoming = [:]
        total = 0
        self.smoothing = smoothing
        self.minLift = minLift
        self.maxLift = maxLift
    }

    /// Smoothed share of `category` among transition targets.
    package func baseRate(_ category: String) -> Double {
        let kinds = Double(max(incoming.count, 1))
        return ((incoming[category] ?? 0) + 1) / (total + kinds + 1)
    }

    /// The affinity of `category` for a client whose recent categories are `recent` (see the type).
    package func lift(of category: String, after recent: some Collection<String>) -> Double {
        guard total > 0, !recent.isEmpty else { return 1 }
        // A category nobody has bought yet: no evidence either way.
        guard incoming[category] != nil else { return 1 }
        let base = baseRate(category)
        var sum = 0.0
        var n = 0.0
        for from in recent where from != category {
            let out = outgoing[from] ?? 0
            let count = transitions[from]?[category] ?? 0
            sum += (count + smoothing * base) / (out + smoothing)
            n += 1
        }
        let likelihood = n > 0 ? sum / n : base
        let kinds = Double(max(incoming.count, 1))
        return min(maxLift, max(minLift, likelihood * kinds))
    }

    /// Streams clients' purchase sequences into an `AffinityModel`.
    ///
    /// Feed each client with `add(categories:)` (categories of the purchases in time order),
    /// `merge` partial accumulators of parallel workers, then `finish()`.
    package struct Accumulator: Sendable {
        private var model: AffinityModel

        package init(smoothing: Double = 20, minLift: Double = 0.25, maxLift: Double = 4) {
            model = AffinityModel(smoothing: smoothing, minLift: minLift, maxLift: maxLift)
        }

        /// Adds one client's purchase categories, oldest first.
        package mutating func add(categories: some Sequence<String>) {
            var previous: String?
            for category in categories {
                if let from = previous, from != category {
                    model.transitions[from, default: [:]][category, default: 0] += 1
                    model.outgoing[from, default: 0] += 1
                    model.incoming[category, default: 0] += 1
                    model.total += 1
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
        }

        package func finish() -> AffinityModel { model }
    }
}
