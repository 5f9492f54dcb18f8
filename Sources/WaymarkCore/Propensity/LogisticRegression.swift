internal import Foundation

/// A weighted logistic regression with an L2 penalty towards prior weights, fitted by Newton's
/// method: the propensity model's learner.
///
/// Rows are dense feature vectors (no intercept column: the intercept is the first weight).
/// Features are standardised internally (mean 0, variance 1 on the weighted rows) so one penalty
/// strength suits every feature; the weights returned are on the raw scale. The penalty pulls
/// each standardised weight towards the prior's (zero without a prior): with little data the
/// fit stays near the prior, with much data the data decides. Deterministic: the same rows in
/// the same order give the same weights to the bit.
///
/// ```swift
/// var data = LogisticRegression.Data(features: 3)
/// data.append([1.0, 0.2, 0.0], label: true, weight: 1)
/// let fit = LogisticRegression(penalty: 1).fit(data)
/// fit.probability([1.0, 0.2, 0.0])
/// ```
package struct LogisticRegression: Sendable {
    /// Training rows, flat: `features` values per row.
    package struct Data: Sendable {
        package let features: Int
        package private(set) var values: [Double] = []
        package private(set) var labels: [Bool] = []
        package private(set) var weights: [Double] = []

        package init(features: Int) {
            self.features = features
        }

        package var count: Int { labels.count }
        package var positives: Double { zip(labels, weights).reduce(0) { $0 + ($1.0 ? $1.1 : 0) } }
        package var totalWeight: Double { weights.reduce(0, +) }

        /// Appends one row; non-finite values count as 0.
        package mutating func append(_ row: some Collection<Double>, label: Bool, weight: Double = 1) {
            precondition(row.count == features, "a row of \(row.count) values for \(features) features")
            for x in row { values.append(x.isFinite ? x : 0) }
            labels.append(label)
            weights.append(weight)
        }

        /// Replaces one value (a feature computed after the rows, such as a target encoding).
        package mutating func set(row: Int, feature: Int, to value: Double) {
            values[row * features + feature] = value.isFinite ? value : 0
        }

        package mutating func append(contentsOf other: Data) {
            precondition(other.features == features)
            values += other.values
            labels += other.labels
            weights += other.weights
        }
    }

    /// A fitted model on the raw feature scale: `logit p = intercept + Σ weights[j] · x[j]`.
    package struct Fit: Sendable, Hashable {
        package var intercept: Double
        package var weights: [Double]
        /// Mean log-loss on the training rows (weighted).
        package var logLoss: Double
        package var iterations: Int
        package var converged: Bool

        package init(intercept: Double, weights: [Double], logLoss: Double, iterations: Int, converged: Bool) {
            self.intercept = intercept
            self.weights = weights
            self.logLoss = logLoss
            self.iterations = iterations
            self.converged = converged
        }

        package func logit(_ x: some Collection<Double>) -> Double {
            var z = intercept
            for (w, v) in zip(weights, x) where v.isFinite { z += w * v }
            return z
        }

        package func probability(_ x: some Collection<Double>) -> Double {
            LogisticRegression.sigmoid(logit(x))
        }
    }

    /// The L2 penalty on the standardised weights (the intercept is not penalised), as a
    /// number of pseudo-rows: 1 is a light touch on tens of thousands of rows.
    package var penalty: Double
    package var maxIterations: Int
    package var tolerance: Double

    package init(penalty: Double = 1, maxIterations: Int = 50, tolerance: Double = 1e-8) {
        self.penalty = penalty
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    @inline(__always)
    package static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }

    /// Fits the model.
    ///
    /// - Parameters:
    ///   - data: the rows; an empty set or one with a single class gives the prior (or zeros) with
    ///     the intercept at the weighted base rate.
    ///   - prior: raw-scale weights to shrink towards (nil: zeros).
    /// - Returns: the fit; never throws: a singular Hessian is regularised by the penalty.
    package func fit(_ data: Data, prior: [Double]? = nil) -> Fit {
        let d = data.features
        let n = data.count
        let total = max(data.totalWeight, 1e-12)
        let rate = min(max(data.positives / total, 1e-6), 1 - 1e-6)
        // Standardisation.
        var mean = [Double](repeating: 0, count: d)
        var scale = [Double](repeating: 1, count: d)
        if n > 0 {
            for i in 0..<n {
                let w = data.weights[i]
                for j in 0..<d { mean[j] += w * data.values[i * d + j] }
            }
            for j in 0..<d { mean[j] /= total }
            var variance = [Double](repeating: 0, count: d)
            for i in 0..<n {
                let w = data.weights[i]
                for j in 0..<d {
                    let c = data.values[i * d + j] - mean[j]
                    variance[j] += w * c * c
                }
            }
            for j in 0..<d {
                let s = (variance[j] / total).squareRoot()
                scale[j] = s > 1e-9 ? s : 0
            }
        }
        // Prior on the standardised scale (a constant feature has no standardised weight: it keeps
        // its prior weight on the raw scale, see `raw`).
        let priorStd = (0..<d).map { j in scale[j] > 0 ? (prior?[j] ?? 0) * scale[j] : 0 }
        var beta = [Double](repeating: 0, count: d + 1)
        for j in 0..<d { beta[j + 1] = priorStd[j] }
        // Standardised rows have mean 0: the intercept starts at the weighted base rate.
        beta[0] = log(rate / (1 - rate))
        guard n > 0, data.positives > 0, data.positives < total else {
            return Self.raw(beta, mean: mean, scale: scale, prior: prior, logLoss: n > 0 ? Self.entropy(rate) : 0, iterations: 0, converged: true)
        }
        let lambda = penalty
        var x = [Double](repeating: 0, count: d + 1)
        func row(_ i: Int) {
            x[0] = 1
            for j in 0..<d { x[j + 1] = scale[j] > 0 ? (data.values[i * d + j] - mean[j]) / scale[j] : 0 }
        }
        func objective(_ b: [Double]) -> Double {
            var loss = 0.0
            for i in 0..<n {
                row(i)
                var z = 0.0
                for j in 0...d { z += b[j] * x[j] }
                // log(1 + e^z) − y z, stably.
                let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
                loss += data.weights[i] * (softplus - (data.labels[i] ? z : 0))
            }
            var reg = 0.0
            for j in 0..<d { reg += (b[j + 1] - priorStd[j]) * (b[j + 1] - priorStd[j]) }
            return loss + 0.5 * lambda * reg
        }
        var current = objective(beta)
        var iterations = 0
        var converged = false
        let m = d + 1
        while iterations < maxIterations {
            iterations += 1
            var gradient = [Double](repeating: 0, count: m)
            var hessian = [Double](repeating: 0, count: m * m)
            for i in 0..<n {
                row(i)
                var z = 0.0
                for j in 0..<m { z += beta[j] * x[j] }
                let p = Self.sigmoid(z)
                let w = data.weights[i]
                let r = w * (p - (data.labels[i] ? 1 : 0))
                let h = w * max(p * (1 - p), 1e-12)
                for j in 0..<m {
                    gradient[j] += r * x[j]
                    let hx = h * x[j]
                    for k in 0...j { hessian[j * m + k] += hx * x[k] }
                }
            }
            for j in 0..<m { for k in 0..<j { hessian[k * m + j] = hessian[j * m + k] } }
            for j in 1..<m {
                gradient[j] += lambda * (beta[j] - priorStd[j - 1])
                hessian[j * m + j] += lambda
            }
            hessian[0] += 1e-9
            guard let step = Self.solve(hessian, gradient, size: m) else { break }
            // Backtracking line search on the penalised objective.
            var t = 1.0
            var next = beta
            var value = current
            while t > 1e-6 {
                for j in 0..<m { next[j] = beta[j] - t * step[j] }
                value = objective(next)
                if value <= current { break }
                t /= 2
            }
            if value > current { converged = true; break }
            let improvement = current - value
            beta = next
            current = value
            if improvement <= tolerance * max(1, abs(current)) { converged = true; break }
        }
        let loss = (current - 0.5 * lambda * (0..<d).reduce(0) { $0 + pow(beta[$1 + 1] - priorStd[$1], 2) }) / total
        return Self.raw(beta, mean: mean, scale: scale, prior: prior, logLoss: loss, iterations: iterations, converged: converged)
    }

    /// Standardised coefficients back on the raw scale.
    ///
    /// A feature constant on the rows (every row the same value) says nothing of its weight: it
    /// keeps its prior weight (0 without a prior), the intercept absorbing its constant value, so
    /// the rows' logits are the fit's. Where the feature varies later (a history the training
    /// cut-off did not see yet, responses recorded after it) the prior weighs it, not 0.
    private static func raw(_ beta: [Double], mean: [Double], scale: [Double], prior: [Double]?, logLoss: Double, iterations: Int, converged: Bool) -> Fit {
        var intercept = beta[0]
        var weights = [Double](repeating: 0, count: mean.count)
        for j in mean.indices {
            weights[j] = scale[j] > 0 ? beta[j + 1] / scale[j] : prior?[j] ?? 0
            intercept -= weights[j] * mean[j]
        }
        return Fit(intercept: intercept, weights: weights, logLoss: logLoss, iterations: iterations, converged: converged)
    }

    private static func entropy(_ p: Double) -> Double {
        -(p * log(p) + (1 - p) * log(1 - p))
    }

    /// Solves the symmetric positive definite system `a x = b` by Cholesky; nil when singular.
    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
