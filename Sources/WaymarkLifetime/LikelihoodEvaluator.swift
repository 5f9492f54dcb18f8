internal import WaymarkCore
internal import Foundation

/// The BG/NBD or MBG/NBD log-likelihood of a grouped data set, tuned for the optimiser's inner loop.
///
/// Per evaluation it computes the log-gamma terms once per distinct frequency and log(α + t) once
/// per distinct time, then makes one pass over the groups with a single `exp` and `log1p` each.
struct LikelihoodEvaluator: Sendable {
    let data: RFTSummary
    let kind: LifetimeModelKind

    /// The total log-likelihood at the given parameters; NaN or −infinity for impossible ones.
    func logLikelihood(_ p: LifetimeParameters) -> Double {
        let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b)
        guard r > 0, alpha > 0, a > 0, b > 0 else { return -.infinity }
        let shift: Double = kind == .mbgnbd ? 1 : 0
        let constant = -lgamma(r) + r * log(alpha) + lgamma(a + b) - lgamma(b)
        let logA = log(a)
        let frequencies = data.frequencies
        var base = [Double](repeating: 0, count: frequencies.count)
        var deathOdds = [Double](repeating: 0, count: frequencies.count)
        var exponent = [Double](repeating: 0, count: frequencies.count)
        for (j, x) in frequencies.enumerated() {
            base[j] = constant + lgamma(r + x) + lgamma(b + x + shift) - lgamma(a + b + x + shift)
            switch kind {
            case .bgnbd: deathOdds[j] = x > 0 ? logA - log(b + x - 1) : -.infinity
            case .mbgnbd: deathOdds[j] = logA - log(b + x)
            }
            exponent[j] = r + x
        }
        let logTimes = data.times.map { log(alpha + $0) }
        var total = 0.0
        base.withUnsafeBufferPointer { base in
            deathOdds.withUnsafeBufferPointer { deathOdds in
                exponent.withUnsafeBufferPointer { exponent in
                    logTimes.withUnsafeBufferPointer { logTimes in
                        data.groupFrequency.withUnsafeBufferPointer { gx in
                            data.groupRecency.withUnsafeBufferPointer { gtx in
                                data.groupAge.withUnsafeBufferPointer { gT in
                                    data.groupCount.withUnsafeBufferPointer { gn in
                                        for g in 0..<gn.count {
                                            let j = Int(gx[g])
                                            let e = exponent[j]
                                            let alive = -e * logTimes[Int(gT[g])]
                                            let odds = deathOdds[j]
                                            var ll = base[j]
                                            if odds == -.infinity {
                                                ll += alive
                                            } else {
                                                let dead = odds - e * logTimes[Int(gtx[g])]
                                                let high = max(alive, dead)
                                                ll += high + log1p(exp(min(alive, dead) - high))
                                            }
                                            total += gn[g] * ll
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return total
    }
}

extension LikelihoodEvaluator {
    /// The total log-likelihood and its gradient with respect to (r, α, a, b).
    ///
    /// One pass like ``logLikelihood(_:)``: per group, the weight w of the "dropped out" term in
    /// the log-sum-exp gives the derivatives of the mixed terms; the digamma terms are per
    /// distinct frequency.
    func logLikelihoodAndGradient(_ p: LifetimeParameters) -> (value: Double, gradient: [Double]) {
        let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b)
        guard r > 0, alpha > 0, a > 0, b > 0 else { return (-.infinity, [0, 0, 0, 0]) }
        let shift: Double = kind == .mbgnbd ? 1 : 0
        let constant = -lgamma(r) + r * log(alpha) + lgamma(a + b) - lgamma(b)
        let logA = log(a)
        let psiR = digamma(r), psiAB = digamma(a + b), psiB = digamma(b)
        let logAlpha = log(alpha)
        let frequencies = data.frequencies
        let m = frequencies.count
        var base = [Double](repeating: 0, count: m)
        var deathOdds = [Double](repeating: 0, count: m)
        var inverseDeathDenominator = [Double](repeating: 0, count: m)
        // Per distinct frequency: the client count (for the per-x derivative terms).
        var countPerFrequency = [Double](repeating: 0, count: m)
        for (j, x) in frequencies.enumerated() {
            base[j] = constant + lgamma(r + x) + lgamma(b + x + shift) - lgamma(a + b + x + shift)
            let hasDeath = kind == .mbgnbd || x > 0
            deathOdds[j] = hasDeath ? logA - log(b + x - 1 + shift) : -.infinity
            inverseDeathDenominator[j] = hasDeath ? 1 / (b + x - 1 + shift) : 0
        }
        let logTimes = data.times.map { log(alpha + $0) }
        let inverseTimes = data.times.map { 1 / (alpha + $0) }
        var total = 0.0
        // Sums over groups of count × (the w-dependent parts).
        var sumR = 0.0, sumAlpha = 0.0, sumA = 0.0, sumB = 0.0
        let gx = data.groupFrequency, gtx = data.groupRecency, gT = data.groupAge, gn = data.groupCount
        for g in 0..<gn.count {
            let j = Int(gx[g])
            let e = r + frequencies[j]
            let ti = Int(gT[g])
            let alive = -e * logTimes[ti]
            let odds = deathOdds[j]
            let n = gn[g]
            countPerFrequency[j] += n
            if odds == -.infinity {
                total += n * (base[j] + alive)
                sumR -= n * logTimes[ti]
                sumAlpha -= n * e * inverseTimes[ti]
            } else {
                let txi = Int(gtx[g])
                let dead = odds - e * logTimes[txi]
                let high = max(alive, dead)
                let ratio = exp(min(alive, dead) - high)
                total += n * (base[j] + high + log1p(ratio))
                // w = e^dead / (e^alive + e^dead)
                let w = dead >= alive ? 1 / (1 + ratio) : ratio / (1 + ratio)
                sumR -= n * ((1 - w) * logTimes[ti] + w * logTimes[txi])
                sumAlpha -= n * e * ((1 - w) * inverseTimes[ti] + w * inverseTimes[txi])
                sumA += n * w / a
                sumB -= n * w * inverseDeathDenominator[j]
            }
        }
        var gradR = sumR, gradAlpha = sumAlpha, gradA = sumA, gradB = sumB
        for (j, x) in frequencies.enumerated() where countPerFrequency[j] > 0 {
            let n = countPerFrequency[j]
            let psiABX = digamma(a + b + x + shift)
            gradR += n * (digamma(r + x) - psiR + logAlpha)
            gradAlpha += n * r / alpha
            gradA += n * (psiAB - psiABX)
            gradB += n * (psiAB - psiB + digamma(b + x + shift) - psiABX)
        }
        return (total, [gradR, gradAlpha, gradA, gradB])
    }
}

/// The digamma function ψ(x) = d/dx log Γ(x) for x > 0 (recurrence up to 10, then the asymptotic series; error below 10⁻¹⁵).
func digamma(_ value: Double) -> Double {
    guard value > 0, value.isFinite else { return value == .infinity ? .infinity : .nan }
    var x = value
    var result = 0.0
    while x < 10 {
        result -= 1 / x
        x += 1
    }
    let inverse = 1 / x
    let inverse2 = inverse * inverse
    // ln x − 1/(2x) − Σ B₂ₖ / (2k x^(2k))
    let series = inverse2 * (1.0 / 12 - inverse2 * (1.0 / 120 - inverse2 * (1.0 / 252 - inverse2 * (1.0 / 240 - inverse2 * (1.0 / 132 - inverse2 * (691.0 / 32760))))))
    return result + log(x) - 0.5 * inverse - series
}
