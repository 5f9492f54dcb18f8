internal import WaymarkCore
internal import Foundation

/// The three parameters of the Gamma-Gamma spend model.
///
/// A client's transaction values are Gamma(p, ν) (shape p, rate ν); across clients ν is
/// Gamma(q, v) (shape q, rate v). The population mean of a transaction is p v / (q − 1) when q > 1.
package struct GammaGammaParameters: Sendable, Hashable, Codable {
    package var p: Double
    package var q: Double
    package var v: Double

    package init(p: Double, q: Double, v: Double) {
        self.p = p
        self.q = q
        self.v = v
    }

    /// The parameters as an array in the order p, q, v.
    package var values: [Double] { [p, q, v] }
}

/// A repeat buyer's spend summary: the number of repeat purchases and their average value.
package struct SpendSummary: Sendable, Hashable, Codable {
    /// Repeat purchases (x ≥ 1 to take part in the fit).
    package var frequency: Int
    /// The average value of the repeat purchases, mₓ > 0.
    package var averageSpend: Double

    package init(frequency: Int, averageSpend: Double) {
        self.frequency = frequency
        self.averageSpend = averageSpend
    }
}

/// The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV"): expected average spend.
///
/// It assumes spend is independent of purchase frequency; fit it on repeat buyers only (x ≥ 1),
/// because a single purchase says too little about a client's spend level.
package struct GammaGammaModel: Sendable, Hashable, Codable {
    package var parameters: GammaGammaParameters

    package init(parameters: GammaGammaParameters) {
        self.parameters = parameters
    }

    /// The log-likelihood of one repeat buyer's average spend.
    ///
    /// log L = log Γ(px + q) − log Γ(px) − log Γ(q) + q log v + (px − 1) log mₓ + px log x
    ///         − (px + q) log(x mₓ + v), the density of mₓ given x (the sum x·mₓ is Gamma(px, ν)).
    package func logLikelihood(frequency: Int, averageSpend: Double) -> Double {
        let (p, q, v) = (parameters.p, parameters.q, parameters.v)
        let x = Double(frequency)
        let m = averageSpend
        let px: Double = p * x
        let gammaTerms: Double = lgamma(px + q) - lgamma(px) - lgamma(q) + q * log(v)
        let spendTerms: Double = (px - 1) * log(m) + px * log(x) - (px + q) * log(x * m + v)
        return gammaTerms + spendTerms
    }

    /// The expected average transaction value of a client given x repeat purchases averaging mₓ.
    ///
    /// E[M | x, mₓ] = p (v + x mₓ) / (p x + q − 1): a weighted mean of the population mean
    /// p v/(q − 1) and the client's own mₓ, the client's weight growing with x. With x = 0 it is
    /// the population mean (mₓ is ignored).
    ///
    /// - Returns: the expectation; NaN when p x + q ≤ 1 (the mean does not exist).
    package func expectedAverageSpend(frequency: Int, averageSpend: Double) -> Double {
        let (p, q, v) = (parameters.p, parameters.q, parameters.v)
        let x = Double(frequency)
        let denominator = p * x + q - 1
        guard denominator > 0 else { return .nan }
        return p * (v + (frequency > 0 ? x * averageSpend : 0)) / denominator
    }

    /// The population mean transaction value p v / (q − 1); NaN when q ≤ 1.
    package var populationMeanSpend: Double {
        expectedAverageSpend(frequency: 0, averageSpend: 0)
    }
}

/// The outcome of fitting the Gamma-Gamma model.
package struct GammaGammaFit: Sendable, Hashable, Codable {
    package var model: GammaGammaModel
    /// The (unpenalised) log-likelihood at the fitted parameters, summed over repeat buyers.
    package var logLikelihood: Double
    /// The number of repeat buyers fitted on.
    package var clientCount: Int
    package var iterations: Int
    package var evaluations: Int
    package var converged: Bool
    /// `bfgs`, or `bfgs+nelder-mead` when the simplex had to finish the job.
    package var method: String
    /// Asymptotic standard errors; nil when not requested or not available.
    package var standardErrors: GammaGammaParameters?
}

extension GammaGammaModel {
    /// Fits p, q and v by maximum likelihood in log space: BFGS on the analytic gradient, with
    /// Nelder–Mead (with restarts) as the fallback when BFGS does not converge.
    ///
    /// Clients with `frequency == 0` are skipped: they carry no repeat spend. The default start
    /// is p = 1, q = 2, v = the mean of mₓ (so the starting population mean equals the data's).
    ///
    /// - Throws: `LifetimeError.invalidSummary` for a negative frequency or a repeat buyer whose
    ///   average spend is not a positive finite number (its index in `clients`);
    ///   `LifetimeError.noData` when there is no repeat buyer; `LifetimeError.fitFailed` when the
    ///   likelihood is not finite at the optimum.
    package static func fit(
        _ clients: some Sequence<SpendSummary>, options: LifetimeFitOptions = .init()
    ) throws(LifetimeError) -> GammaGammaFit {
        var buyers: [SpendSummary] = []
        var total = 0
        var spendSum = 0.0
        for (index, client) in clients.enumerated() {
            guard client.frequency >= 0 else {
                throw LifetimeError(.invalidSummary, "frequency must be 0 or more, got \(client.frequency)", index: index)
            }
            guard client.frequency > 0 else { continue }
            guard client.averageSpend.isFinite, client.averageSpend > 0 else {
                throw LifetimeError(
                    .invalidSummary,
                    "a repeat buyer's average spend must be a positive number, got \(client.averageSpend); remove the client or fix the value",
                    index: index)
            }
            buyers.append(client)
            total += 1
            spendSum += client.averageSpend
        }
        guard total > 0 else {
            throw LifetimeError(.noData, "no repeat buyer (frequency ≥ 1) to fit the Gamma-Gamma spend model on")
        }
        // Equal (x, mₓ) pairs grouped by sorting, in the order the likelihood sums them.
        buyers.sort { $0.frequency != $1.frequency ? $0.frequency < $1.frequency : $0.averageSpend < $1.averageSpend }
        var groups: [(key: SpendSummary, value: Int)] = []
        for buyer in buyers {
            if let last = groups.last, last.key == buyer {
                groups[groups.count - 1].value += 1
            } else {
                groups.append((buyer, 1))
            }
        }
        // Columns for the likelihood: per group its distinct frequency's index, log mₓ, mₓ and
        // count; the log-gamma and digamma terms are computed once per distinct frequency.
        var xs: [Double] = []
        var groupX: [Int32] = [], logMs: [Double] = [], ms: [Double] = [], weights: [Double] = []
        for (key, count) in groups {
            if xs.last != Double(key.frequency) { xs.append(Double(key.frequency)) }
            groupX.append(Int32(xs.count - 1))
            logMs.append(log(key.averageSpend))
            ms.append(key.averageSpend)
            weights.append(Double(count))
        }
        let logXs = xs.map { log($0) }
        let n = Double(total)
        func parameters(_ theta: [Double]) -> GammaGammaParameters {
            GammaGammaParameters(p: exp(theta[0]), q: exp(theta[1]), v: exp(theta[2]))
        }
        /// log L and its gradient with respect to (p, q, v), in one pass over the groups.
        func logLikelihoodAndGradient(_ parameters: GammaGammaParameters) -> (value: Double, gradient: [Double]) {
            let (p, q, v) = (parameters.p, parameters.q, parameters.v)
            let logV = log(v), psiQ = digamma(q)
            var base = [Double](repeating: 0, count: xs.count), baseP = base, baseQ = base
            for (j, x) in xs.enumerated() {
                let px = p * x
                let psiPXQ = digamma(px + q)
                base[j] = -lgamma(q) + q * logV + lgamma(px + q) - lgamma(px) + px * logXs[j]
                baseP[j] = x * (psiPXQ - digamma(px) + logXs[j])
                baseQ[j] = -psiQ + logV + psiPXQ
            }
            let sums = Chunks.map(weights.count) { range -> SIMD4<Double> in
                var sum = SIMD4<Double>()
                for g in range {
                    let j = Int(groupX[g])
                    let x = xs[j], px = p * x
                    let denominator = x * ms[g] + v
                    let logDenominator = log(denominator)
                    let w: Double = weights[g]
                    let value: Double = base[j] + (px - 1) * logMs[g] - (px + q) * logDenominator
                    let dp: Double = baseP[j] + x * (logMs[g] - logDenominator)
                    let dq: Double = baseQ[j] - logDenominator
                    let dv: Double = q / v - (px + q) / denominator
                    sum += w * SIMD4<Double>(value, dp, dq, dv)
                }
                return sum
            }.reduce(SIMD4<Double>(), +)
            return (sums[0], [sums[1], sums[2], sums[3]])
        }
        func logLikelihood(_ parameters: GammaGammaParameters) -> Double {
            logLikelihoodAndGradient(parameters).value
        }
        let start: [Double]
        if let given = options.start, given.count == 3, given.allSatisfy({ $0 > 0 && $0.isFinite }) {
            start = given
        } else {
            start = [1, 2, spendSum / n]
        }
        let penalty = options.penalty
        let objective: ([Double]) -> Double = { theta in
            guard theta.allSatisfy({ abs($0) < 30 }) else { return .infinity }
            let p = parameters(theta)
            let penaltyTerm = penalty > 0 ? penalty * p.values.reduce(0) { $0 + $1 * $1 } : 0
            return -logLikelihood(p) / n + penaltyTerm
        }
        // BFGS on the analytic gradient, in log space; Nelder–Mead from where it stopped if it did not converge.
        let gradientObjective: ([Double]) -> (value: Double, gradient: [Double]) = { theta in
            guard theta.allSatisfy({ abs($0) < 30 }) else { return (.infinity, theta.map { _ in 0 }) }
            let p = parameters(theta)
            let (ll, gradient) = logLikelihoodAndGradient(p)
            let values = p.values
            let thetaGradient = (0..<3).map { -values[$0] * gradient[$0] / n + 2 * penalty * values[$0] * values[$0] }
            let penaltyTerm = penalty > 0 ? penalty * values.reduce(0) { $0 + $1 * $1 } : 0
            return (-ll / n + penaltyTerm, thetaGradient)
        }
        let quasiNewton = BFGS().minimize(gradientObjective, from: start.map { log($0) })
        var result = quasiNewton
        var method = "bfgs"
        if !quasiNewton.converged {
            method = "bfgs+nelder-mead"
            var optimiser = NelderMead()
            optimiser.maximumEvaluations = options.maximumEvaluations
            let fallback = optimiser.minimize(objective, from: quasiNewton.value.isFinite ? quasiNewton.point : start.map { log($0) })
            result = MinimizationResult(
                point: fallback.point, value: fallback.value,
                iterations: quasiNewton.iterations + fallback.iterations,
                evaluations: quasiNewton.evaluations + fallback.evaluations,
                converged: fallback.converged)
        }
        let fitted = parameters(result.point)
        let ll = logLikelihood(fitted)
        guard ll.isFinite else {
            throw LifetimeError(.fitFailed, "the Gamma-Gamma likelihood is not finite at the optimum; check the average spend values")
        }
        var standardErrors: GammaGammaParameters?
        if options.computeStandardErrors {
            let hessian = hessianFromGradient({ theta in
                let p = parameters(theta)
                let gradient = logLikelihoodAndGradient(p).gradient
                return (0..<3).map { -p.values[$0] * gradient[$0] }
            }, at: result.point, step: 1e-4)
            if let covariance = invertPositiveDefinite(hessian) {
                let values = fitted.values
                let errors = (0..<3).map { values[$0] * covariance[$0][$0].squareRoot() }
                standardErrors = GammaGammaParameters(p: errors[0], q: errors[1], v: errors[2])
            }
        }
        return GammaGammaFit(
            model: GammaGammaModel(parameters: fitted),
            logLikelihood: ll,
            clientCount: total,
            iterations: result.iterations,
            evaluations: result.evaluations,
            converged: result.converged,
            method: method,
            standardErrors: standardErrors
        )
    }
}
