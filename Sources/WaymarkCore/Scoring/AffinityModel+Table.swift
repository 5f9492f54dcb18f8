extension AffinityModel {
    /// The model's lifts for a fixed set of target categories (a catalog's), over interned
    /// category indices: the same numbers as `lift(of:after:)`, without a dictionary look-up
    /// (and its string hashing) per item and client.
    ///
    /// Built once per engine. The transitions are kept sparse: per source category, the targets
    /// it led to with their counts, sorted by target (a catalog of thousands of categories costs
    /// the transitions it has, not targets × sources); `P(target | from)` is the same expression
    /// as `lift(of:after:)`'s, so the results are identical to the last bit. Categories are
    /// interned with `String` equality, as the model's dictionaries compare them (a hash per
    /// recent or owned category and client, not per item).
    ///
    /// An owned set is a bit mask over the categories that occur in the model's sets, looked up
    /// once per client (``ownedRow(of:)``) to a row of counts `n(S → target)`. With more than 64
    /// such categories (never from the nightly fitter, which counts sets only when the products
    /// have at most 64 categories) the table ignores the sets and gives the newest-category
    /// affinity.
    struct Table: Sendable {
        /// The targets (indices `0..<targetCount`), then every other category the model has
        /// transitions from.
        private var names: [String] = []
        private var indexOf: [String: Int32] = [:]
        private var targetCount = 0
        /// Per target: whether any transition leads to it (else its lift is 1).
        private var known: [Bool] = []
        /// Per target: the smoothed base rate `P(target)`.
        private var base: [Double] = []
        /// Per target: `P_next(target)`, what the affinity is a lift over.
        private var nextShare: [Double] = []
        /// Per interned source category: where its transitions start in `transitionTarget` /
        /// `transitionCount` (the next source's start is its end), its outgoing total, and
        /// whether the model has transitions from it at all.
        private var transitionStart: [Int32] = [0]
        private var outgoing: [Double] = []
        private var isSource: [Bool] = []
        /// The counted transitions into targets, by source, sorted by target index.
        private var transitionTarget: [Int32] = []
        private var transitionCount: [Double] = []
        private var smoothing = 0.0
        private var total = 0.0
        /// Per interned category: its bit in an owned-set mask, -1 when no set holds it.
        private var ownedBit: [Int8] = []
        /// The categories the sets hold, by bit, fingerprinted to probe a client's facts.
        private var ownedVocabulary: [RuleKey] = []
        /// The row of each owned set the model counted, by its mask.
        private var rowOfOwned: [UInt64: Int32] = [:]
        /// `n(S → target) / (n(S → ·) + k_S)`, row-major by owned set (`targetCount` columns).
        private var ownedShare: [Double] = []
        /// `k_S / (n(S → ·) + k_S)` per owned set: the newest-category model's weight.
        private var ownedWeight: [Double] = []
        private var kinds = 1.0
        private var minLift = 0.0
        private var maxLift = 0.0

        init() {}

        /// The table of `model` for `targets` (duplicates are kept once).
        init(_ model: AffinityModel, targets: some Sequence<String>) {
            for target in targets { intern(target) }
            targetCount = names.count
            for from in model.transitions.keys { intern(from) }
            // Owned sets: every category of a set gets a bit (and a column: a category may be
            // owned without ever being a transition's source, e.g. only ever bought again).
            var bits: [String: Int8] = [:]
            var usable = true
            for key in model.nextAfterOwned.keys {
                for category in key where bits[category] == nil {
                    guard bits.count < 64 else { usable = false; break }
                    bits[category] = Int8(bits.count)
                }
            }
            if usable {
                for category in bits.keys { intern(category) }
                ownedBit = names.map { bits[$0] ?? -1 }
                ownedVocabulary = bits.sorted { $0.value < $1.value }.map { RuleKey($0.key) }
                let k = model.ownedSmoothing
                for (key, next) in model.nextAfterOwned {
                    guard let n = model.ownedTotals[key] else { continue }
                    var mask: UInt64 = 0
                    for category in key { mask |= 1 << UInt64(bits[category]!) }
                    rowOfOwned[mask] = Int32(ownedWeight.count)
                    ownedWeight.append(k / (n + k))
                    for t in 0..<targetCount { ownedShare.append((next[names[t]] ?? 0) / (n + k)) }
                }
            }
            total = model.total
            smoothing = model.smoothing
            kinds = Double(max(model.incoming.count, 1))
            minLift = model.minLift
            maxLift = model.maxLift
            known = [Bool](repeating: false, count: targetCount)
            base = [Double](repeating: 0, count: targetCount)
            nextShare = (0..<targetCount).map { model.nextPurchaseShare(names[$0]) }
            for t in 0..<targetCount {
                guard let into = model.incoming[names[t]] else { continue }
                known[t] = true
                base[t] = (into + 1) / (model.total + kinds + 1)
            }
            for from in names.indices {
                let targets = model.transitions[names[from]]
                isSource.append(targets != nil)
                outgoing.append(targets != nil ? model.outgoing[names[from]] ?? 0 : 0)
                if let targets {
                    var row: [(Int32, Double)] = []
                    for (target, count) in targets {
                        guard let t = indexOf[target], Int(t) < targetCount else { continue }
                        row.append((t, count))
                    }
                    row.sort { $0.0 < $1.0 }
                    for (t, count) in row {
                        transitionTarget.append(t)
                        transitionCount.append(count)
                    }
                }
                transitionStart.append(Int32(transitionTarget.count))
            }
        }

        /// The smoothed `P(target | from)` (`from` interned; -1: not a category the model knows,
        /// the base rate), as `AffinityModel`'s `probability(of:after:base:)` computes it.
        @inline(__always)
        private func probability(of target: Int, after from: Int32) -> Double {
            let rate = base[target]
            guard from >= 0, isSource[Int(from)] else { return rate }
            var low = Int(transitionStart[Int(from)]), high = Int(transitionStart[Int(from) + 1])
            var count = 0.0
            while low < high {
                let middle = (low + high) / 2
                let t = Int(transitionTarget[middle])
                if t == target {
                    count = transitionCount[middle]
                    break
                }
                if t < target { low = middle + 1 } else { high = middle }
            }
            return (count + smoothing * rate) / (outgoing[Int(from)] + smoothing)
        }

        private mutating func intern(_ category: String) {
            guard indexOf[category] == nil else { return }
            indexOf[category] = Int32(names.count)
            names.append(category)
        }

        /// The index of a target category, nil when it is not one.
        func target(_ category: String) -> Int? {
            indexOf[category].flatMap { Int($0) < targetCount ? Int($0) : nil }
        }

        /// The index of a client's recent category, -1 when the table does not know it.
        func index(of category: String) -> Int32 {
            indexOf[category] ?? -1
        }

        /// The row of the owned set made of `categories` (duplicates allowed), -1 when the model
        /// has no counts for that set (then ``lift(of:after:owned:)`` is the newest-category one).
        func ownedRow(of categories: some Sequence<String>) -> Int32 {
            guard !rowOfOwned.isEmpty else { return -1 }
            var mask: UInt64 = 0
            for category in categories {
                guard let index = indexOf[category] else { return -1 }
                let bit = ownedBit[Int(index)]
                guard bit >= 0 else { return -1 }
                mask |= 1 << UInt64(bit)
            }
            return rowOfOwned[mask] ?? -1
        }

        /// ``ownedRow(of:)`` of the categories a client bought, without hashing their text: each
        /// category the sets hold is probed in the facts' fingerprint table (a client who owns
        /// any other category owns a set the model never saw: -1).
        func ownedRow(of facts: ClientFacts) -> Int32 {
            guard !rowOfOwned.isEmpty else { return -1 }
            let owned = facts.lastPurchaseOfCategory.keys
            var mask: UInt64 = 0
            var found = 0
            for bit in ownedVocabulary.indices {
                let key = ownedVocabulary[bit]
                if owned.index(of: key.text, fingerprint: key.fingerprint) != nil {
                    mask |= 1 << UInt64(bit)
                    found += 1
                }
            }
            guard found == owned.keys.count else { return -1 }
            return rowOfOwned[mask] ?? -1
        }

        /// `lift(of: target, after: recent, owning: S)`, with `recent` given by `index(of:)` and
        /// `S` by its ``ownedRow(of:)`` (-1: `lift(of: target, after: recent)`).
        func lift(of target: Int, after recent: UnsafeBufferPointer<Int32>, owned: Int32 = -1) -> Double {
            guard total > 0, let newest = recent.first else { return 1 }
            guard known[target] else { return 1 }
            let rate = base[target]
            var likelihood: Double
            if Int(newest) != target {
                likelihood = probability(of: target, after: newest)
            } else {
                var sum = 0.0
                var n = 0.0
                for from in recent.dropFirst() where Int(from) != target {
                    sum += probability(of: target, after: from)
                    n += 1
                }
                likelihood = n > 0 ? sum / n : rate
            }
            if owned >= 0 {
                let row = Int(owned)
                likelihood = ownedShare[row * targetCount + target] + ownedWeight[row] * likelihood
            }
            return min(maxLift, max(minLift, likelihood / nextShare[target]))
        }
    }
}
