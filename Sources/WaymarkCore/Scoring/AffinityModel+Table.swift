extension AffinityModel {
    /// The model's lifts for a fixed set of target categories (a catalog's), over interned
    /// category indices: the same numbers as `lift(of:after:)`, without a dictionary look-up
    /// (and its string hashing) per item and client.
    ///
    /// Built once per engine. Every smoothed probability `P(target | from)` is computed up front
    /// by the same expression as `lift(of:after:)`, so the results are identical to the last bit.
    /// Categories are interned with `String` equality, as the model's dictionaries compare them
    /// (a hash per recent category and client, not per item).
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
        /// `P(target | names[from])`, row-major by target (`names.keys.count` columns).
        private var probability: [Double] = []
        private var total = 0.0
        private var kinds = 1.0
        private var minLift = 0.0
        private var maxLift = 0.0

        init() {}

        /// The table of `model` for `targets` (duplicates are kept once).
        init(_ model: AffinityModel, targets: some Sequence<String>) {
            for target in targets { intern(target) }
            targetCount = names.count
            for from in model.transitions.keys { intern(from) }
            let columns = names.count
            total = model.total
            kinds = Double(max(model.incoming.count, 1))
            minLift = model.minLift
            maxLift = model.maxLift
            known = [Bool](repeating: false, count: targetCount)
            base = [Double](repeating: 0, count: targetCount)
            probability = [Double](repeating: 0, count: targetCount * columns)
            for t in 0..<targetCount {
                let category = names[t]
                guard let into = model.incoming[category] else { continue }
                let rate = (into + 1) / (model.total + kinds + 1)
                known[t] = true
                base[t] = rate
                for f in 0..<columns {
                    let from = names[f]
                    if let targets = model.transitions[from] {
                        let out = model.outgoing[from] ?? 0
                        probability[t * columns + f] = ((targets[category] ?? 0) + model.smoothing * rate) / (out + model.smoothing)
                    } else {
                        probability[t * columns + f] = rate
                    }
                }
            }
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

        /// `lift(of: target, after: recent)`, with `recent` given by `index(of:)`.
        func lift(of target: Int, after recent: UnsafeBufferPointer<Int32>) -> Double {
            guard total > 0, let newest = recent.first else { return 1 }
            guard known[target] else { return 1 }
            let rate = base[target]
            let row = target * names.count
            @inline(__always) func probability(after from: Int32) -> Double {
                from < 0 ? rate : self.probability[row + Int(from)]
            }
            var likelihood: Double
            if Int(newest) != target {
                likelihood = probability(after: newest)
            } else {
                var sum = 0.0
                var n = 0.0
                for from in recent.dropFirst() where Int(from) != target {
                    sum += probability(after: from)
                    n += 1
                }
                likelihood = n > 0 ? sum / n : rate
            }
            likelihood *= kinds
            return min(maxLift, max(minLift, likelihood))
        }
    }
}
