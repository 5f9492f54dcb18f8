/// What clients bought next after a category: a smoothed next-category model.
///
/// Fitted from every client's purchases in time order: each step from one purchase's category to
/// the next *different* category counts one transition `from → to`. The lift of a category `c`
/// for a client whose recent categories are `R` is the average over `r ∈ R` of
///
///     P(c | r) / P(c),   P(c | r) = (n(r → c) + k · P(c)) / (n(r → ·) + k)
///
/// where `P(c)` is the Laplace-smoothed share of `c` among all transitions' targets and `k` the
/// smoothing strength (default 20 pseudo-transitions). A category rarely seen as a source, or a
/// rare target, is pulled towards lift 1, so rare categories do not explode; the lift is finally
/// clamped to `[minLift, maxLift]` (default 0.25…4). Without recent categories, or for an
/// unknown category, the lift is 1.
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

    /// The affinity lift of `category` for a client whose recent categories are `recent`.
    package func lift(of category: String, after recent: some Collection<String>) -> Double {
        guard total > 0, !recent.isEmpty else { return 1 }
        let base = baseRate(category)
        var sum = 0.0
        var n = 0.0
        for from in recent {
            let out = outgoing[from] ?? 0
            let count = transitions[from]?[category] ?? 0
            let conditional = (count + smoothing * base) / (out + smoothing)
            sum += conditional / base
            n += 1
        }
        return min(maxLift, max(minLift, sum / n))
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
