internal import WaymarkCore
/// Derivative-free minimisation (Nelder–Mead downhill simplex) with restarts.
///
/// Fits Gamma-Gamma, and takes over a BG/NBD or MBG/NBD fit when ``BFGS`` does not converge: it
/// needs no gradient and is hard to derail. Non-finite objective values are treated as +infinity,
/// so the simplex walks away from impossible parameters.
struct NelderMead {
    /// Relative tolerance on the spread of objective values across the simplex.
    var functionTolerance = 1e-11
    /// Absolute tolerance on the simplex size (per coordinate).
    var pointTolerance = 1e-5
    /// The initial simplex's step along each axis.
    var step = 0.5
    /// The evaluation budget across all restarts.
    var maximumEvaluations = 6_000
    /// Restarts from the best point, until one no longer improves the objective.
    var maximumRestarts = 4

    func minimize(_ objective: ([Double]) -> Double, from start: [Double]) -> MinimizationResult {
        var best = run(objective, from: start, step: step, budget: maximumEvaluations)
        var evaluations = best.evaluations
        var iterations = best.iterations
        var restarts = 0
        // A simplex can collapse on a ridge away from the minimum; a fresh one around the best
        // point either confirms it or moves on.
        while restarts < maximumRestarts && evaluations < maximumEvaluations {
            restarts += 1
            let again = run(objective, from: best.point, step: step / Double(2 * restarts), budget: maximumEvaluations - evaluations)
            evaluations += again.evaluations
            iterations += again.iterations
            let improvement = best.value - again.value
            if again.value <= best.value { best = again }
            if improvement <= functionTolerance * max(1, abs(best.value)) && again.converged { break }
        }
        best.evaluations = evaluations
        best.iterations = iterations
        best.converged = best.converged && evaluations < maximumEvaluations
        return best
    }

    private func run(_ objective: ([Double]) -> Double, from start: [Double], step: Double, budget: Int) -> MinimizationResult {
        let n = start.count
        var evaluations = 0
        func f(_ x: [Double]) -> Double {
            evaluations += 1
            let value = objective(x)
            return value.isFinite ? value : .infinity
        }
        var simplex = [start]
        for i in 0..<n {
            var vertex = start
            vertex[i] += step
            simplex.append(vertex)
        }
        var values = simplex.map(f)
        var iterations = 0
        var converged = false
        while evaluations < budget {
            // Order the vertices, best first.
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let spread = values[n] - values[0]
            var size = 0.0
            for vertex in simplex.dropFirst() {
                for i in 0..<n { size = max(size, abs(vertex[i] - simplex[0][i])) }
            }
            if values[0].isFinite && spread <= functionTolerance * max(1, abs(values[0])) && size <= pointTolerance {
                converged = true
                break
            }
            iterations += 1
            var centroid = [Double](repeating: 0, count: n)
            for vertex in simplex.dropLast() {
                for i in 0..<n { centroid[i] += vertex[i] / Double(n) }
            }
            func along(_ t: Double) -> [Double] {
                (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) }
            }
            let reflected = along(-1)
            let reflectedValue = f(reflected)
            if reflectedValue < values[0] {
                let expanded = along(-2)
                let expandedValue = f(expanded)
                if expandedValue < reflectedValue {
                    simplex[n] = expanded; values[n] = expandedValue
                } else {
                    simplex[n] = reflected; values[n] = reflectedValue
                }
                continue
            }
            if reflectedValue < values[n - 1] {
                simplex[n] = reflected; values[n] = reflectedValue
                continue
            }
            // Contract: outside when the reflection beat the worst vertex, inside otherwise.
            let outside = reflectedValue < values[n]
            let contracted = along(outside ? -0.5 : 0.5)
            let contractedValue = f(contracted)
            if contractedValue < (outside ? reflectedValue : values[n]) {
                simplex[n] = contracted; values[n] = contractedValue
                continue
            }
            // Shrink towards the best vertex.
            for k in 1...n {
                simplex[k] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) }
                values[k] = f(simplex[k])
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] } ?? 0
        return MinimizationResult(point: simplex[bestIndex], value: values[bestIndex], iterations: iterations, evaluations: evaluations, converged: converged)
    }
}

/// The inverse of a small symmetric positive-definite matrix by Cholesky factorisation; nil when not positive definite.
func invertPositiveDefinite(_ matrix: [[Double]]) -> [[Double]]? {
    let n = matrix.count
    var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        for j in 0...i {
            var sum = matrix[i][j]
            for k in 0..<j { sum -= l[i][k] * l[j][k] }
            if i == j {
                guard sum > 0, sum.isFinite else { return nil }
                l[i][i] = sum.squareRoot()
            } else {
                l[i][j] = sum / l[j][j]
            }
        }
    }
    // Solve L Lᵀ X = I column by column.
    var inverse = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for column in 0..<n {
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = i == column ? 1.0 : 0.0
            for k in 0..<i { sum -= l[i][k] * y[k] }
            y[i] = sum / l[i][i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k][i] * x[k] }
            x[i] = sum / l[i][i]
        }
        for i in 0..<n { inverse[i][column] = x[i] }
    }
    return inverse
}

/// The Hessian of `f` at `point` by central differences with step `h` per coordinate.
func numericHessian(_ f: ([Double]) -> Double, at point: [Double], step h: Double) -> [[Double]] {
    let n = point.count
    let center = f(point)
    var hessian = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    func shifted(_ moves: [(Int, Double)]) -> Double {
        var x = point
        for (i, d) in moves { x[i] += d }
        return f(x)
    }
    for i in 0..<n {
        hessian[i][i] = (shifted([(i, h)]) - 2 * center + shifted([(i, -h)])) / (h * h)
        for j in 0..<i {
            let value = (shifted([(i, h), (j, h)]) - shifted([(i, h), (j, -h)])
                - shifted([(i, -h), (j, h)]) + shifted([(i, -h), (j, -h)])) / (4 * h * h)
            hessian[i][j] = value
            hessian[j][i] = value
        }
    }
    return hessian
}

/// The Hessian from central differences of an analytic gradient (2n gradient evaluations, where
/// second differences of the value need 2n² + 1 and lose digits to cancellation), symmetrised.
func hessianFromGradient(_ gradient: ([Double]) -> [Double], at point: [Double], step h: Double) -> [[Double]] {
    let n = point.count
    var hessian = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
    for i in 0..<n {
        var up = point, down = point
        up[i] += h
        down[i] -= h
        let gu = gradient(up), gd = gradient(down)
        for j in 0..<n { hessian[i][j] = (gu[j] - gd[j]) / (2 * h) }
    }
    for i in 0..<n {
        for j in 0..<i {
            let mean = (hessian[i][j] + hessian[j][i]) / 2
            hessian[i][j] = mean
            hessian[j][i] = mean
        }
    }
    return hessian
}
