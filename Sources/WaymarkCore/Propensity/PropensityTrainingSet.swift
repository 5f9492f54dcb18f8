internal import Foundation

/// The propensity's training rows with what the stage base rates need of each: the offer, the
/// client's stage at the cut-off and the client's fold (a hash bit of the id).
package struct PropensityTrainingSet: Sendable {
    package private(set) var data = LogisticRegression.Data(features: PropensityFeature.count)
    package private(set) var items: [Int32] = []
    package private(set) var stages: [UInt8] = []
    package private(set) var folds: [UInt8] = []
    /// One row per client: does the client buy any offer in the horizon.
    package private(set) var clientRows = LogisticRegression.Data(features: PropensityClientFeature.count)
    /// Pseudo-rows pulling a stage's rate of an offer towards the offer's overall rate.
    package static let stageSmoothing = 20.0

    package init() {}

    package mutating func append(_ row: [Double], label: Bool, weight: Double, item: Int, stage: Int, fold: Int) {
        data.append(row, label: label, weight: weight)
        items.append(Int32(item))
        stages.append(UInt8(stage))
        folds.append(UInt8(fold))
    }

    package mutating func append(contentsOf other: PropensityTrainingSet) {
        data.append(contentsOf: other.data)
        items += other.items
        stages += other.stages
        folds += other.folds
        clientRows.append(contentsOf: other.clientRows)
    }

    package mutating func appendClient(_ row: [Double], label: Bool) {
        clientRows.append(row, label: label)
    }

    /// Rates of label per offer, and per (stage, offer) smoothed towards the offer's, from the
    /// rows whose fold is `fold` (nil: every row).
    package func rates(items itemCount: Int, stages stageCount: Int, fold: UInt8? = nil) -> (item: [Double], stage: [Double]) {
        var positives = [Double](repeating: 0, count: itemCount * stageCount)
        var weights = [Double](repeating: 0, count: itemCount * stageCount)
        var itemPositives = [Double](repeating: 0, count: itemCount)
        var itemWeights = [Double](repeating: 0, count: itemCount)
        var allPositives = 0.0, allWeights = 0.0
        for r in 0..<data.count where fold == nil || folds[r] == fold {
            let i = Int(items[r]), s = Int(stages[r])
            let w = data.weights[r], y = data.labels[r] ? w : 0
            positives[i * stageCount + s] += y
            weights[i * stageCount + s] += w
            itemPositives[i] += y
            itemWeights[i] += w
            allPositives += y
            allWeights += w
        }
        let global = (allPositives + 0.5) / (allWeights + 1)
        let item = (0..<itemCount).map { (itemPositives[$0] + 5 * global) / (itemWeights[$0] + 5) }
        let k = Self.stageSmoothing
        var stage = [Double](repeating: 0, count: itemCount * stageCount)
        for i in 0..<itemCount {
            for s in 0..<stageCount {
                stage[i * stageCount + s] = (positives[i * stageCount + s] + k * item[i]) / (weights[i * stageCount + s] + k)
            }
        }
        return (item, stage)
    }

    /// Fills the `stageRate` feature of every row with the rate learned on the other fold (no row
    /// sees its own label), and returns the rates learned on every row for scoring.
    package mutating func encodeStageRates(items itemCount: Int, stages stageCount: Int) -> (item: [Double], stage: [Double]) {
        let byFold = [rates(items: itemCount, stages: stageCount, fold: 1), rates(items: itemCount, stages: stageCount, fold: 0)]
        let column = PropensityFeature.stageRate.rawValue
        for r in 0..<data.count {
            let other = byFold[Int(folds[r]) & 1]
            data.set(row: r, feature: column, to: log(max(other.stage[Int(items[r]) * stageCount + Int(stages[r])], 1e-6)))
        }
        return rates(items: itemCount, stages: stageCount)
    }
}

extension PropensityTrainingSet {
    /// Fits the propensity on these rows.
    ///
    /// Encodes the stage base rates out of fold, then fits the weights by penalised logistic
    /// regression shrunk towards ``PropensityFeature/priorWeights``. With fewer than 10 positive rows
    /// (or no negative one) the prior weights are kept and `training.fitted` says so.
    ///
    /// - Parameters:
    ///   - itemIDs: the catalog's item ids, indexed like the rows' items.
    ///   - horizonDays: the horizon the labels were counted in.
    ///   - rates: the population rates as of the scoring date (stored in the model).
    ///   - cutoff: the training cut-off, for the summary.
    ///   - clients: the clients the rows came from, for the summary.
    package consuming func fit(itemIDs: [String], horizonDays: Int, rates: PopulationRates, cutoff: Timestamp, clients: Int) -> PropensityModel {
        let stages = LifecycleStage.allCases
        let (itemRate, stageRate) = encodeStageRates(items: itemIDs.count, stages: stages.count)
        let data = data
        let prior = PropensityFeature.priorWeights
        let fitted = data.positives >= 10 && data.positives < data.totalWeight
        let fit = fitted ? LogisticRegression(penalty: 1).fit(data, prior: prior)
            : LogisticRegression.Fit(intercept: PropensityFeature.priorIntercept, weights: prior, logLoss: 0, iterations: 0, converged: true)
        let clientFitted = clientRows.positives >= 5 && clientRows.positives < clientRows.totalWeight
        let clientFit = clientFitted ? LogisticRegression(penalty: 1).fit(clientRows, prior: PropensityClientFeature.priorWeights)
            : LogisticRegression.Fit(intercept: PropensityClientFeature.priorIntercept, weights: PropensityClientFeature.priorWeights,
                                     logLoss: 0, iterations: 0, converged: true)
        let names = PropensityFeature.allCases.map(\.name)
        var itemRates: [String: Double] = [:]
        var stageRates: [String: [String: Double]] = [:]
        for (i, id) in itemIDs.enumerated() where itemRates[id] == nil {
            itemRates[id] = itemRate[i]
            for (s, stage) in stages.enumerated() { stageRates[stage.rawValue, default: [:]][id] = stageRate[i * stages.count + s] }
        }
        return PropensityModel(
            horizonDays: horizonDays, intercept: fit.intercept,
            weights: Dictionary(uniqueKeysWithValues: zip(names, fit.weights)),
            means: Dictionary(uniqueKeysWithValues: zip(names, data.means)),
            rates: rates, itemRates: itemRates, stageRates: stageRates,
            clientIntercept: clientFit.intercept,
            clientWeights: Dictionary(uniqueKeysWithValues: zip(PropensityClientFeature.allCases.map(\.name), clientFit.weights)),
            training: PropensityModel.Training(cutoff: cutoff.isoDate, clients: clients, buyers: Int(clientRows.positives),
                                               rows: data.count, positives: data.positives,
                                               logLoss: fit.logLoss, iterations: fit.iterations, fitted: fitted))
    }
}

extension LogisticRegression.Data {
    /// The weighted mean of each feature (zeros without rows).
    package var means: [Double] {
        var means = [Double](repeating: 0, count: features)
        let total = totalWeight
        guard total > 0 else { return means }
        for i in 0..<count {
            for j in 0..<features { means[j] += weights[i] * values[i * features + j] }
        }
        return means.map { $0 / total }
    }
}
