/// The area under the ROC curve of a score separating positives from negatives.
///
/// Rank-based (Mann–Whitney): the probability that a random positive scores higher than a
/// random negative, ties counting one half. `nil` when either class is empty.
package struct ROCAUC: Sendable, Hashable, Codable {
    package var auc: Double?
    package var positives: Int
    package var negatives: Int

    package init(auc: Double?, positives: Int, negatives: Int) {
        self.auc = auc
        self.positives = positives
        self.negatives = negatives
    }
}

/// Streams (score, label) pairs into a `ROCAUC`, exactly, ties included.
///
/// Keeps one counter pair per distinct score, so memory grows with the distinct scores, not the
/// clients; merging adds the counters.
package struct AUCAccumulator: Sendable, Hashable {
    private var counts: [Double: Counts] = [:]

    struct Counts: Sendable, Hashable {
        var positives = 0
        var negatives = 0
    }

    package init() {}

    /// Adds one observation; a NaN score is ignored.
    package mutating func add(score: Double, positive: Bool) {
        guard !score.isNaN else { return }
        if positive { counts[score, default: Counts()].positives += 1 } else { counts[score, default: Counts()].negatives += 1 }
    }

    package mutating func merge(_ other: AUCAccumulator) {
        for (score, c) in other.counts {
            counts[score, default: Counts()].positives += c.positives
            counts[score, default: Counts()].negatives += c.negatives
        }
    }

    package func finish() -> ROCAUC {
        var positives = 0
        var negatives = 0
        var pairs = 0.0
        // Ascending scores: each positive beats every negative seen below it and ties half of its own.
        for score in counts.keys.sorted() {
            let c = counts[score]!
            pairs += Double(c.positives) * (Double(negatives) + 0.5 * Double(c.negatives))
            positives += c.positives
            negatives += c.negatives
        }
        let auc: Double? = positives > 0 && negatives > 0 ? pairs / (Double(positives) * Double(negatives)) : nil
        return ROCAUC(auc: auc, positives: positives, negatives: negatives)
    }
}
