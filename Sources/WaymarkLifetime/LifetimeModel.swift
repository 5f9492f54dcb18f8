internal import WaymarkCore
internal import Foundation

/// Which purchase-and-dropout model to fit.
package enum LifetimeModelKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// BG/NBD (Fader, Hardie & Lee 2005): a client may drop out after each *repeat* purchase,
    /// so a client with no repeat purchase is always alive (P(alive) = 1 at x = 0).
    case bgnbd
    /// MBG/NBD (Batislam, Denizel & Filiztekin 2007): a client may also drop out right after the
    /// first purchase, so one-time buyers fade with time. The stage rules read this model's P(alive).
    case mbgnbd
}

/// The four parameters of BG/NBD and MBG/NBD.
///
/// The purchase rate λ of a live client is Gamma(r, α) distributed (shape r, rate α, in the
/// time unit of the data); the dropout probability p after a purchase is Beta(a, b) distributed.
package struct LifetimeParameters: Sendable, Hashable, Codable {
    package var r: Double
    package var alpha: Double
    package var a: Double
    package var b: Double

    package init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// The parameters as an array in the order r, alpha, a, b.
    package var values: [Double] { [r, alpha, a, b] }
}

/// A fitted (or given) BG/NBD or MBG/NBD model: predictions for one client.
///
/// Pure value, cheap to copy, safe to share across cores. All formulas are evaluated in log space
/// with log-gamma, so a client with thousands of purchases and decades of history gives finite results.
package struct LifetimeModel: PurchaseBehaviourModel, Sendable, Hashable, Codable {
    package var kind: LifetimeModelKind
    package var parameters: LifetimeParameters

    package init(kind: LifetimeModelKind = .bgnbd, parameters: LifetimeParameters) {
        self.kind = kind
        self.parameters = parameters
    }

    /// log [a / (b + x − 1)] for BG/NBD (x > 0 only), log [a / (b + x)] for MBG/NBD: the odds of
    /// "dropped out after the last purchase" against "alive", before the time factor.
    private func logDeathOdds(_ x: Double) -> Double {
        let p = parameters
        switch kind {
        case .bgnbd: return x > 0 ? log(p.a) - log(p.b + x - 1) : -.infinity
        case .mbgnbd: return log(p.a) - log(p.b + x)
        }
    }

    /// The log-likelihood of one client's summary, log L(r, α, a, b | x, tₓ, T).
    ///
    /// BG/NBD: L = B(a, b + x)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + T)^(r + x))
    ///           + [x > 0] B(a + 1, b + x − 1)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + tₓ)^(r + x)).
    /// MBG/NBD: L = B(a, b + x + 1)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + T)^(r + x))
    ///           + B(a + 1, b + x)/B(a, b) · Γ(r + x) αʳ / (Γ(r) (α + tₓ)^(r + x)).
    /// The two terms are combined with log-sum-exp.
    package func logLikelihood(frequency: Int, recency: Double, age: Double) -> Double {
        let p = parameters
        let x = Double(frequency)
        let shift: Double = kind == .mbgnbd ? 1 : 0
        let rateTerm: Double = lgamma(p.r + x) - lgamma(p.r) + p.r * log(p.alpha)
        let betaTerm: Double = lgamma(p.a + p.b) + lgamma(p.b + x + shift) - lgamma(p.b) - lgamma(p.a + p.b + x + shift)
        let base = rateTerm + betaTerm
        let alive = -(p.r + x) * log(p.alpha + age)
        let dead = logDeathOdds(x) - (p.r + x) * log(p.alpha + recency)
        return base + logSumExp(alive, dead)
    }

    /// The log-likelihood of all clients of `data` (the sum over clients).
    package func logLikelihood(_ data: RFTSummary) -> Double {
        LikelihoodEvaluator(data: data, kind: kind).logLikelihood(parameters)
    }

    /// The probability that a client with this history is still alive at the end of observation.
    ///
    /// P(alive | x, tₓ, T) = 1 / (1 + δ · ((α + T)/(α + tₓ))^(r + x)), with δ = [x > 0] a/(b + x − 1)
    /// for BG/NBD and δ = a/(b + x) for MBG/NBD. Under BG/NBD a client with no repeat purchase
    /// is alive with probability 1; under MBG/NBD the probability falls with T.
    package func probabilityAlive(frequency: Int, recency: Double, age: Double) -> Double {
        let x = Double(frequency)
        let logOdds = logDeathOdds(x) + (parameters.r + x) * (log(parameters.alpha + age) - log(parameters.alpha + recency))
        return logistic(-logOdds)
    }

    /// The expected number of purchases in the next `duration` time units, E[X(t) | x, tₓ, T].
    ///
    /// BG/NBD: E = (a + b + x − 1)/(a − 1) · [1 − ((α + T)/(α + T + t))^(r + x)
    ///              · ₂F₁(r + x, b + x; a + b + x − 1; t/(α + T + t))] · P(alive),
    /// MBG/NBD: the same with b + x + 1 and a + b + x in place of b + x and a + b + x − 1.
    ///
    /// Evaluated through Euler's transformation of ₂F₁, which cancels the (1 − z)^(r + x) factor
    /// exactly and leaves a series whose parameters do not grow with x; the (a − 1) division is
    /// carried out term by term, so a = 1 is not a special case.
    ///
    /// - Returns: the expectation (0 for a duration of 0); NaN when the series did not converge
    ///   (only for durations beyond about 10⁵ times α + T).
    package func expectedPurchases(in duration: Double, frequency: Int, recency: Double, age: Double) -> Double {
        guard duration > 0 else { return duration == 0 ? 0 : .nan }
        let p = parameters
        let x = Double(frequency)
        // c = a + b + x − 1 (BG/NBD) or a + b + x (MBG/NBD); the second numerator parameter b' is
        // b + x or b + x + 1, and c − b' = a − 1 in both models.
        let c = kind == .bgnbd ? p.a + p.b + x - 1 : p.a + p.b + x
        let z = duration / (p.alpha + age + duration)
        let logOneMinusZ = log(p.alpha + age) - log(p.alpha + age + duration)   // log(1 − z), exact
        // 1 − (1 − z)^(r + x) ₂F₁(r + x, b'; c; z) = 1 − (1 − z)^(a − 1) ₂F₁(c − r − x, a − 1; c; z)
        //   = −expm1((a − 1) L) − (1 − z)^(a − 1) (a − 1) S,  with S = Σₙ≥1 (c − r − x)ₙ (a)ₙ₋₁ zⁿ / ((c)ₙ n!).
        let aMinusOne = p.a - 1
        let first = aMinusOne == 0 ? -logOneMinusZ : -expm1(aMinusOne * logOneMinusZ) / aMinusOne
        guard let s = Self.reducedSeries(c - p.r - x, p.a, c, z) else { return .nan }
        let bracketOverAMinusOne = first - exp(aMinusOne * logOneMinusZ) * s
        let alive = probabilityAlive(frequency: frequency, recency: recency, age: age)
        return c * bracketOverAMinusOne * alive
    }

    /// S = Σₙ≥1 (u)ₙ (a)ₙ₋₁ zⁿ / ((c)ₙ n!) — the ₂F₁(u, a − 1; c; z) series with its (a − 1) factor divided out.
    static func reducedSeries(_ u: Double, _ a: Double, _ c: Double, _ z: Double) -> Double? {
        var term = u / c * z          // n = 1: (u)₁ (a)₀ z / ((c)₁ 1!)
        var sum = term
        var n = 1.0
        var small = 0
        for _ in 0..<Hypergeometric.maximumTerms {
            if term == 0 { return sum }
            // term(n + 1) / term(n) = (u + n)(a + n − 1) z / ((c + n)(n + 1))
            let ratio = (u + n) * (a + n - 1) / ((c + n) * (n + 1)) * z
            term *= ratio
            n += 1
            sum += term
            if abs(term) <= 1e-17 * abs(sum) && abs(ratio) < 1 {
                small += 1
                if small >= 2 { return sum }
            } else {
                small = 0
            }
        }
        return nil
    }
}

/// log(eᵘ + eᵛ) without overflow; either argument may be −infinity.
@inline(__always)
func logSumExp(_ u: Double, _ v: Double) -> Double {
    let high = max(u, v)
    if high == -.infinity { return -.infinity }
    return high + log1p(exp(min(u, v) - high))
}

/// 1 / (1 + e⁻ᵘ) without overflow.
@inline(__always)
func logistic(_ u: Double) -> Double {
    if u >= 0 { return 1 / (1 + exp(-u)) }
    let e = exp(u)
    return e / (1 + e)
}
