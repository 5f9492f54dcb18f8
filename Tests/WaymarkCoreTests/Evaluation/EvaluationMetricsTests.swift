import Foundation
import Testing
@testable import WaymarkCore

@Suite("Evaluation ranking metrics")
struct EvaluationRankingTests {
    private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }

    @Test("hit rate, precision, recall, NDCG and coverage on hand-made clients")
    func handMade() {
        var accumulator = RankingAccumulator(k: 3)
        accumulator.add(recommended: ["a", "b", "c"], actual: ["b", "d"])     // hit at rank 2
        accumulator.add(recommended: ["x"], actual: ["y"])                    // miss
        accumulator.add(recommended: ["c", "e"], actual: [])                  // not a buyer: coverage only
        accumulator.add(recommended: [String](), actual: ["a"])              // nothing recommended: a miss
        let m = accumulator.finish(categoryCount: 10)
        #expect(m.buyers == 3)
        #expect(m.hits == 1)
        #expect(close(m.hitRate, 1.0 / 3))
        #expect(close(m.precision, (1.0 / 3) / 3))
        #expect(close(m.recall, 0.5 / 3))
        let ndcg = (1 / log2(3.0)) / (1 + 1 / log2(3.0))
        #expect(close(m.ndcg, ndcg / 3))
        #expect(m.recommendedCategories == 5)        // a b c x e
        #expect(close(m.coverage, 0.5))
        #expect(m.clientsWithRecommendations == 3)
        #expect(m.clients == 4)
    }

    @Test("NDCG against a known ideal")
    func ndcgKnownIdeal() {
        var perfect = RankingAccumulator(k: 3)
        perfect.add(recommended: ["a", "b", "c"], actual: ["a", "b", "c"])
        #expect(close(perfect.finish(categoryCount: 3).ndcg, 1))

        // Hits at ranks 1 and 3 of two relevant: DCG = 1 + 1/log2(4) = 1.5, IDCG = 1 + 1/log2(3).
        var partial = RankingAccumulator(k: 3)
        partial.add(recommended: ["c", "x", "a"], actual: ["a", "c"])
        #expect(close(partial.finish(categoryCount: 3).ndcg, 1.5 / (1 + 1 / log2(3.0))))

        // More relevant categories than k: the ideal is k hits.
        var many = RankingAccumulator(k: 2)
        many.add(recommended: ["a", "z"], actual: ["a", "b", "c", "d"])
        let m = many.finish(categoryCount: 5)
        #expect(close(m.ndcg, 1 / (1 + 1 / log2(3.0))))
        #expect(close(m.recall, 0.25))
        #expect(close(m.precision, 0.5))
    }

    @Test("only the first k count, and a repeated category counts once")
    func cutAndDuplicates() {
        var accumulator = RankingAccumulator(k: 3)
        accumulator.add(recommended: ["a", "a", "b", "c"], actual: ["a", "c"])
        let m = accumulator.finish(categoryCount: 3)
        #expect(close(m.precision, 1.0 / 3))          // "c" is 4th: cut; the second "a" is not a hit
        #expect(close(m.recall, 0.5))
        #expect(close(m.ndcg, 1 / (1 + 1 / log2(3.0))))
        #expect(m.recommendedCategories == 2)
    }

    @Test("merging partial accumulators equals one pass")
    func merge() {
        let clients: [([String], Set<String>)] = [
            (["a", "b", "c"], ["b"]), (["c"], ["a", "c"]), (["d"], []), (["a", "d", "b"], ["e"]), (["b"], ["b", "d"]),
        ]
        var whole = RankingAccumulator(k: 3)
        var left = RankingAccumulator(k: 3)
        var right = RankingAccumulator(k: 3)
        for (index, (list, actual)) in clients.enumerated() {
            whole.add(recommended: list, actual: actual)
            if index % 2 == 0 { left.add(recommended: list, actual: actual) } else { right.add(recommended: list, actual: actual) }
        }
        left.merge(right)
        #expect(left.finish(categoryCount: 5) == whole.finish(categoryCount: 5))
        #expect(whole.finish(categoryCount: 5).hits == 3)
    }

    @Test("no buyer gives zero averages, not NaN")
    func empty() {
        let m = RankingAccumulator(k: 3).finish(categoryCount: 0)
        #expect(m.hitRate == 0 && m.ndcg == 0 && m.coverage == 0 && m.buyers == 0)
    }
}

@Suite("Evaluation ROC AUC")
struct EvaluationAUCTests {
    @Test("ties count one half")
    func ties() throws {
        var auc = AUCAccumulator()
        for score in [0.9, 0.5, 0.5] { auc.add(score: score, positive: true) }
        for score in [0.5, 0.1] { auc.add(score: score, positive: false) }
        let result = auc.finish()
        // Pairs won: 0.9 beats both (2); each 0.5 beats 0.1 (1) and ties 0.5 (0.5): 2 + 1.5 + 1.5 = 5 of 6.
        #expect(abs(try #require(result.auc) - 5.0 / 6) < 1e-12)
        #expect(result.positives == 3 && result.negatives == 2)
    }

    @Test("perfect, inverted, all tied, and one empty class")
    func extremes() {
        var perfect = AUCAccumulator()
        perfect.add(score: 0.8, positive: true)
        perfect.add(score: 0.2, positive: false)
        #expect(perfect.finish().auc == 1)

        var inverted = AUCAccumulator()
        inverted.add(score: 0.1, positive: true)
        inverted.add(score: 0.7, positive: false)
        #expect(inverted.finish().auc == 0)

        var tied = AUCAccumulator()
        for i in 0..<6 { tied.add(score: 0.4, positive: i % 3 == 0) }
        #expect(tied.finish().auc == 0.5)

        var onlyPositives = AUCAccumulator()
        onlyPositives.add(score: 0.3, positive: true)
        #expect(onlyPositives.finish().auc == nil)
    }

    @Test("merging equals one pass")
    func merge() {
        let data: [(Double, Bool)] = [(0.1, false), (0.4, true), (0.4, false), (0.35, true), (0.8, true), (0.2, false), (0.8, false)]
        var whole = AUCAccumulator()
        var a = AUCAccumulator()
        var b = AUCAccumulator()
        for (index, (score, positive)) in data.enumerated() {
            whole.add(score: score, positive: positive)
            if index < 3 { a.add(score: score, positive: positive) } else { b.add(score: score, positive: positive) }
        }
        a.merge(b)
        #expect(a.finish() == whole.finish())
        // 0.4: beats 0.1, 0.2 (2) + tie 0.4 (0.5); 0.35: beats 0.1, 0.2 (2); 0.8: beats 0.1, 0.2, 0.4 (3) + tie (0.5) → 8 of 12.
        #expect(whole.finish().auc == 8.0 / 12)
    }
}

@Suite("Evaluation lifetime calibration")
struct EvaluationCalibrationTests {
    @Test("groups by purchases before the cutoff, 7+ pooled, with both errors")
    func groups() {
        var calibration = CalibrationAccumulator(openGroup: 7)
        calibration.add(purchasesBefore: 0, predicted: 0.2, actual: 0)
        calibration.add(purchasesBefore: 1, predicted: 0.5, actual: 1)
        calibration.add(purchasesBefore: 1, predicted: 1.5, actual: 1)
        calibration.add(purchasesBefore: 9, predicted: 3, actual: 2)
        calibration.add(purchasesBefore: 7, predicted: 1, actual: 2)
        let result = calibration.finish()
        #expect(result.groups.map(\.label) == ["0", "1", "2", "3", "4", "5", "6", "7+"])
        #expect(result.groups.map(\.clients) == [1, 2, 0, 0, 0, 0, 0, 2])
        #expect(abs(result.groups[1].meanPredicted - 1) < 1e-12 && result.groups[1].meanActual == 1)
        #expect(result.groups[7].meanPredicted == 2 && result.groups[7].meanActual == 2)
        #expect(result.clients == 5)
        // |0.2| + |−0.5| + |0.5| + |1| + |−1| = 3.2 over 5 clients.
        #expect(abs(result.meanAbsoluteError - 0.64) < 1e-12)
        // Groups: 1 × 0.2 + 2 × 0 + 2 × 0 over 5 clients.
        #expect(abs(result.groupMeanAbsoluteError - 0.04) < 1e-12)
        #expect(abs(result.totalPredicted - 6.2) < 1e-12 && result.totalActual == 6)
    }

    @Test("a non-finite prediction counts as 0; merging equals one pass")
    func nonFiniteAndMerge() {
        var a = CalibrationAccumulator()
        var b = CalibrationAccumulator()
        var whole = CalibrationAccumulator()
        let rows: [(Int, Double, Int)] = [(2, .nan, 1), (3, 0.7, 0), (0, 0, 1)]
        for (index, row) in rows.enumerated() {
            whole.add(purchasesBefore: row.0, predicted: row.1, actual: row.2)
            if index == 0 { a.add(purchasesBefore: row.0, predicted: row.1, actual: row.2) } else { b.add(purchasesBefore: row.0, predicted: row.1, actual: row.2) }
        }
        a.merge(b)
        #expect(a.finish() == whole.finish())
        #expect(whole.finish().groups[2].meanPredicted == 0)
        #expect(abs(whole.finish().meanAbsoluteError - 2.7 / 3) < 1e-12)
    }
}
