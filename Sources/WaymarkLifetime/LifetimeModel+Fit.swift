internal import WaymarkCore
internal import Foundation

/// Options for maximum-likelihood fitting of the lifetime-value models.
package struct LifetimeFitOptions: Sendable, Hashable {
    /// L2 penalty coefficient λ: the optimiser minimises −log L / N + λ Σ θᵢ², over the model's
    /// parameters θ (as in the `penalizer_coef` of the Python `lifetimes` package). 0 (the default)
    /// is plain maximum likelihood; 0.001–0.1 keeps small or degenerate data sets from running off
    /// to extreme parameters.
    package var penalty: Double
    /// Starting parameters; nil picks a scale-aware default from the data.
    package var start: [Double]?
    /// The evaluation budget of the optimiser.
    package var maximumEvaluations: Int
    /// Whether to estimate standard errors from the observed information (two gradient evaluations per parameter).
    package var computeStandardErrors: Bool

    package init(penalty: Double = 0, start: [Double]? = nil, maximumEvaluations: Int = 6_000, computeStandardErrors: Bool = true) {
        self.penalty = penalty
        self.start = start
        self.maximumEvaluations = maximumEvaluations
        self.computeStandardErrors = computeStandardErrors
    }
}

/// The outcome of fitting BG/NBD or MBG/NBD: the model and how the fit went.
package struct LifetimeFit: Sendable, Hashable, Codable {
    package var model: LifetimeModel
    /// The (unpenalised) log-likelihood at the fitted parameters, summed over clients.
    package var logLikelihood: Double
    package var clientCount: Int
    /// The number of distinct (frequency, recency, T) triples the likelihood looped over.
    package var groupCount: Int
    /// Optimiser iterations (BFGS, plus Nelder–Mead's if it had to take over).
    package var iterations: Int
    /// Likelihood evaluations.
    package var evaluations: Int
    /// Whether the optimiser met its tolerances within its budget.
    package var converged: Bool
    /// `bfgs`, or `bfgs+nelder-mead` when the simplex had to finish the job.
    package var method: String
    /// Asymptotic standard errors (from the inverse observed information, delta method from log
    /// space); nil when not requested or when the information matrix is not positive definite.
    package var standardErrors: LifetimeParameters?
}

extension LifetimeModel {
    /// Fits BG/NBD or MBG/NBD by maximum likelihood.
    ///
    /// The four parameters are optimised in log space (so they stay positive) on the grouped data:
    /// BFGS on the analytic gradient, with Nelder–Mead (with restarts) as the fallback when BFGS
    /// does not converge. The default start is r = 1, a = 1, b = 1 and α = 1/λ̂, the
    /// mean age over the mean repeat frequency, so the fit does not depend on the time unit.
    ///
    /// - Throws: `LifetimeError.fitFailed` when the likelihood is not finite at the optimum (for
    ///   example all clients have T = 0). Non-convergence is not an error: check `converged`.
    package static func fit(
        _ data: RFTSummary, kind: LifetimeModelKind = .bgnbd, options: LifetimeFitOptions = .init()
    ) throws(LifetimeError) -> LifetimeFit {
        let evaluator = LikelihoodEvaluator(data: data, kind: kind)
        let n = Double(data.clientCount)
        let start: [Double]
        if let given = options.start, given.count == 4, given.allSatisfy({ $0 > 0 && $0.isFinite }) {
            start = given
        } else {
            var frequencySum = 0.0, ageSum = 0.0
            for group in data.groups {
                frequencySum += Double(group.summary.frequency * group.count)
                ageSum += group.summary.age * Double(group.count)
            }
            let alpha = frequencySum > 0 && ageSum > 0 ? ageSum / frequencySum : 1
            start = [1, alpha, 1, 1]
        }
        func parameters(_ theta: [Double]) -> LifetimeParameters {
            LifetimeParameters(r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]))
        }
        let penalty = options.penalty
        let objective: ([Double]) -> Double = { theta in
            // Outside e^±30 the model is degenerate; keep the simplex out.
            guard theta.allSatisfy({ abs($0) < 30 }) else { return .infinity }
            let p = parameters(theta)
            let penaltyTerm = penalty > 0 ? penalty * p.values.reduce(0) { $0 + $1 * $1 } : 0
            return -evaluator.logLikelihood(p) / n + penaltyTerm
        }
        // BFGS on the analytic gradient first; Nelder–Mead from wherever it stopped if it did not converge.
        let gradientObjective: ([Double]) -> (value: Double, gradient: [Double]) = { theta in
            guard theta.allSatisfy({ abs($0) < 30 }) else { return (.infinity, theta.map { _ in 0 }) }
            let p = parameters(theta)
            let (ll, gradient) = evaluator.logLikelihoodAndGradient(p)
            let values = p.values
            // d/dθᵢ = pᵢ · d/dpᵢ, for the mean negative log-likelihood plus λ Σ pᵢ².
            let thetaGradient = (0..<4).map { -values[$0] * gradient[$0] / n + 2 * penalty * values[$0] * values[$0] }
            let penaltyTerm = penalty > 0 ? penalty * values.reduce(0) { $0 + $1 * $1 } : 0
            return (-ll / n + penaltyTerm, thetaGradient)
        }
        // On large data, a fit on a sample of the groups gives BFGS a start and a curvature that
        // leave it a few iterations on all the data instead of a few dozen.
        var from = start.map { log($0) }
        var inverseHessian: [[Double]]?
        if options.start == nil, let warm = warmStart(data, kind: kind, options: options) {
            from = warm.point
            inverseHessian = warm.inverseHessian
        }
        let quasiNewton = BFGS().minimize(gradientObjective, from: from, inverseHessian: inverseHessian)
        var result = quasiNewton
        var method = "bfgs"
        if !quasiNewton.converged {
            var simplex = NelderMead()
            simplex.maximumEvaluations = options.maximumEvaluations
            let from = quasiNewton.value.isFinite ? quasiNewton.point : start.map { log($0) }
            let fallback = simplex.minimize(objective, from: from)
            result = MinimizationResult(
                point: fallback.point, value: fallback.value,
                iterations: quasiNewton.iterations + fallback.iterations,
                evaluations: quasiNewton.evaluations + fallback.evaluations,
                converged: fallback.converged)
            method = "bfgs+nelder-mead"
        }
        let fitted = parameters(result.point)
        let logLikelihood = evaluator.logLikelihood(fitted)
        guard logLikelihood.isFinite else {
            throw LifetimeError(.fitFailed, "the \(kind.rawValue) likelihood is not finite at the optimum; check that clients have T > 0 and some spread of frequencies")
        }
        var standardErrors: LifetimeParameters?
        if options.computeStandardErrors {
            let hessian = hessianFromGradient({ theta in
                let p = parameters(theta)
                let gradient = evaluator.logLikelihoodAndGradient(p).gradient
                return (0..<4).map { -p.values[$0] * gradient[$0] }
            }, at: result.point, step: 1e-4)
            if let covariance = invertPositiveDefinite(hessian) {
                let values = fitted.values
                let errors = (0..<4).map { values[$0] * covariance[$0][$0].squareRoot() }
                standardErrors = LifetimeParameters(r: errors[0], alpha: errors[1], a: errors[2], b: errors[3])
            }
        }
        return LifetimeFit(
            model: LifetimeModel(kind: kind, parameters: fitted),
            logLikelihood: logLikelihood,
            clientCount: data.clientCount,
            groupCount: data.groups.count,
            iterations: result.iterations,
            evaluations: result.evaluations,
            converged: result.converged,
            method: method,
            standardErrors: standardErrors
        )
    }

    /// Groups above which ``fit(_:kind:options:)`` starts from a fit on a sample of them.
    static let warmStartGroups = 1 << 17

    /// The fit on every k-th group (about 2¹⁵ of them, counts kept), and the inverse of the
    /// Hessian of the mean objective there: nil for data below ``warmStartGroups`` or when the
    /// sample fit fails.
    static func warmStart(_ data: RFTSummary, kind: LifetimeModelKind, options: LifetimeFitOptions) -> (point: [Double], inverseHessian: [[Double]]?)? {
        guard data.groups.count > warmStartGroups else { return nil }
        let k = data.groups.count / (1 << 15)
        guard let sample = try? RFTSummary(groups: stride(from: k / 2, to: data.groups.count, by: k).map { data.groups[$0] }) else { return nil }
        var sampleOptions = options
        sampleOptions.computeStandardErrors = false
        guard let coarse = try? fit(sample, kind: kind, options: sampleOptions), coarse.converged else { return nil }
        let point = coarse.model.parameters.values.map { log($0) }
        let evaluator = LikelihoodEvaluator(data: sample, kind: kind)
        let n = Double(sample.clientCount)
        let penalty = options.penalty
        let hessian = hessianFromGradient({ theta in
            let p = LifetimeParameters(r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]))
            let gradient = evaluator.logLikelihoodAndGradient(p).gradient
            return (0..<4).map { -p.values[$0] * gradient[$0] / n + 2 * penalty * p.values[$0] * p.values[$0] }
        }, at: point, step: 1e-4)
        return (point, invertPositiveDefinite(hessian))
    }
}
