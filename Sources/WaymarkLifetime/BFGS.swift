internal import WaymarkCore
internal import Foundation

/// Quasi-Newton minimisation (BFGS with a backtracking Armijo line search) for smooth objectives
/// with an analytic gradient.
///
/// Used first for the BG/NBD and MBG/NBD fits: it converges in a few dozen evaluations where the
/// simplex needs hundreds. When it stalls (a non-finite value, no descent), the caller falls back
/// on ``NelderMead``.
struct BFGS {
    /// Stop when the largest gradient component is below this.
    var gradientTolerance = 1e-9
    /// Or when an iteration improves the objective by less than this, relative.
    var functionTolerance = 1e-15
    var maximumIterations = 300

    /// - Parameter inverseHessian: a first approximation of the inverse Hessian at `start` (for
    ///   example from a fit on a sample of the data); the identity when nil.
    func minimize(_ objective: ([Double]) -> (value: Double, gradient: [Double]), from start: [Double],
                  inverseHessian: [[Double]]? = nil) -> MinimizationResult {
        let n = start.count
        var x = start
        var (fx, gx) = objective(x)
        var evaluations = 1
        guard fx.isFinite, gx.allSatisfy(\.isFinite) else {
            return MinimizationResult(point: x, value: fx, iterations: 0, evaluations: evaluations, converged: false)
        }
        // The inverse Hessian approximation, starting from the given one or the identity.
        var h = inverseHessian.flatMap { $0.count == n && $0.allSatisfy { $0.count == n && $0.allSatisfy(\.isFinite) } ? $0 : nil }
            ?? (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        var iterations = 0
        var converged = false
        while iterations < maximumIterations {
            if gx.map(abs).max() ?? 0 <= gradientTolerance { converged = true; break }
            iterations += 1
            var direction = (0..<n).map { i in -(0..<n).reduce(0) { $0 + h[i][$1] * gx[$1] } }
            var slope = zip(direction, gx).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) {
                // Not a descent direction: reset to steepest descent.
                h = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
                direction = gx.map { -$0 }
                slope = -gx.reduce(0) { $0 + $1 * $1 }
            }
            // Keep a step in log-parameter space below 1 (a factor e).
            let longest = direction.map(abs).max() ?? 0
            var step = longest > 1 ? 1 / longest : 1.0
            var accepted: (x: [Double], f: Double, g: [Double])?
            for _ in 0..<40 {
                let candidate = (0..<n).map { x[$0] + step * direction[$0] }
                let (fc, gc) = objective(candidate)
                evaluations += 1
                if fc.isFinite && gc.allSatisfy(\.isFinite) && fc <= fx + 1e-4 * step * slope {
                    accepted = (candidate, fc, gc)
                    break
                }
                step *= 0.5
            }
            guard let next = accepted else { break }
            let s = (0..<n).map { next.x[$0] - x[$0] }
            let y = (0..<n).map { next.g[$0] - gx[$0] }
            let sy = zip(s, y).reduce(0) { $0 + $1.0 * $1.1 }
            let improvement = fx - next.f
            x = next.x
            fx = next.f
            gx = next.g
            if sy > 1e-300 {
                // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
                let rho = 1 / sy
                let hy = (0..<n).map { i in (0..<n).reduce(0) { $0 + h[i][$1] * y[$1] } }
                let yhy = zip(y, hy).reduce(0) { $0 + $1.0 * $1.1 }
                for i in 0..<n {
                    for j in 0..<n {
                        h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j]
                    }
                }
            }
            if improvement <= functionTolerance * max(1, abs(fx)) {
                converged = (gx.map(abs).max() ?? 0) <= 1e-6
                break
            }
        }
        return MinimizationResult(point: x, value: fx, iterations: iterations, evaluations: evaluations, converged: converged)
    }
}
