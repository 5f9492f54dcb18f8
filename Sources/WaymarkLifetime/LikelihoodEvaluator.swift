internal import WaymarkCore
internal import Foundation

/// The BG/NBD or MBG/NBD log-likelihood of a grouped data set, tuned for the optimiser's inner loop.
///
/// Per evaluation it computes the log-gamma terms once per distinct frequency and log(α + t) once
/// per distinct time, then makes one pass over the groups with a single `exp` and `log1p` each.
/// Large data sets are cut into fixed chunks of groups that run on every core and are summed in
/// chunk order, so the result does not depend on the number of cores.
struct LikelihoodEvaluator: Sendable {
    let data: RFTSummary
    let kind: LifetimeModelKind
    /// Clients per distinct frequency (for the per-frequency derivative terms).
    private let countPerFrequency: [Double]

    init(data: RFTSummary, kind: LifetimeModelKind) {
        self.data = data
        self.kind = kind
        var counts = [Double](repeating: 0, count: data.frequencies.count)
        for g in data.groupCount.indices { counts[Int(data.groupFrequency[g])] += data.groupCount[g] }
        countPerFrequency = counts
    }

    /// Per distinct frequency: the log-gamma base, the log-odds of having dropped out after the
    /// last purchase (−∞ when there is none), its derivative's denominator, and r + x.
    private struct FrequencyTerms {
        var base: [Double], deathOdds: [Double], inverseDeathDenominator: [Double], exponent: [Double]
    }

    private func frequencyTerms(_ p: LifetimeParameters) -> FrequencyTerms {
        let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b)
        let shift: Double = kind == .mbgnbd ? 1 : 0
        let constant = -lgamma(r) + r * log(alpha) + lgamma(a + b) - lgamma(b)
        let logA = log(a)
        let m = data.frequencies.count
        var terms = FrequencyTerms(base: .init(repeating: 0, count: m), deathOdds: .init(repeating: 0, count: m),
                                   inverseDeathDenominator: .init(repeating: 0, count: m), exponent: .init(repeating: 0, count: m))
        for (j, x) in data.frequencies.enumerated() {
            terms.base[j] = constant + lgamma(r + x) + lgamma(b + x + shift) - lgamma(a + b + x + shift)
            let hasDeath = kind == .mbgnbd || x > 0
            terms.deathOdds[j] = hasDeath ? logA - log(b + x - 1 + shift) : -.infinity
            terms.inverseDeathDenominator[j] = hasDeath ? 1 / (b + x - 1 + shift) : 0
            terms.exponent[j] = r + x
        }
        return terms
    }

    /// log(α + t) for every distinct time (and 1/(α + t) when asked), on every core.
    private func timeTerms(alpha: Double, inverses: Bool) -> (logs: [Double], inverses: [Double]) {
        let times = data.times
        var logs = [Double](repeating: 0, count: times.count)
        var inverse = [Double](repeating: 0, count: inverses ? times.count : 0)
        logs.withUnsafeMutableBufferPointer { logs in
            inverse.withUnsafeMutableBufferPointer { inverse in
                times.withUnsafeBufferPointer { times in
                    Chunks.run(times.count) { range in
                        for i in range {
                            logs[i] = log(alpha + times[i])
                            if inverses { inverse[i] = 1 / (alpha + times[i]) }
                        }
                    }
                }
            }
        }
        return (logs, inverse)
    }

    /// The total log-likelihood at the given parameters; NaN or −infinity for impossible ones.
    func logLikelihood(_ p: LifetimeParameters) -> Double {
        guard p.r > 0, p.alpha > 0, p.a > 0, p.b > 0 else { return -.infinity }
        let terms = frequencyTerms(p)
        let logTimes = timeTerms(alpha: p.alpha, inverses: false).logs
        let partials = terms.base.withUnsafeBufferPointer { base in
            terms.deathOdds.withUnsafeBufferPointer { deathOdds in
                terms.exponent.withUnsafeBufferPointer { exponent in
                    logTimes.withUnsafeBufferPointer { logTimes in
                        data.groupFrequency.withUnsafeBufferPointer { gx in
                            data.groupRecency.withUnsafeBufferPointer { gtx in
                                data.groupAge.withUnsafeBufferPointer { gT in
                                    data.groupCount.withUnsafeBufferPointer { gn in
                                        Chunks.map(gn.count) { range -> Double in
                                            var total = 0.0
                                            for g in range {
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
                                            return total
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return partials.reduce(0, +)
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
        let terms = frequencyTerms(p)
        let (logTimes, inverseTimes) = timeTerms(alpha: alpha, inverses: true)
        let frequencies = data.frequencies
        // Per chunk: the total and the sums over groups of count × (the w-dependent parts).
        let partials = terms.base.withUnsafeBufferPointer { base in
            terms.deathOdds.withUnsafeBufferPointer { deathOdds in
                terms.inverseDeathDenominator.withUnsafeBufferPointer { inverseDeathDenominator in
                    logTimes.withUnsafeBufferPointer { logTimes in
                        inverseTimes.withUnsafeBufferPointer { inverseTimes in
                            frequencies.withUnsafeBufferPointer { frequencies in
                                data.groupFrequency.withUnsafeBufferPointer { gx in
                                    data.groupRecency.withUnsafeBufferPointer { gtx in
                                        data.groupAge.withUnsafeBufferPointer { gT in
                                            data.groupCount.withUnsafeBufferPointer { gn in
                                                Chunks.map(gn.count) { range -> SIMD8<Double> in
                                                    var total = 0.0, sumR = 0.0, sumAlpha = 0.0, sumA = 0.0, sumB = 0.0
                                                    for g in range {
                                                        let j = Int(gx[g])
                                                        let e = r + frequencies[j]
                                                        let ti = Int(gT[g])
                                                        let alive = -e * logTimes[ti]
                                                        let odds = deathOdds[j]
                                                        let n = gn[g]
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
                                                    return SIMD8(total, sumR, sumAlpha, sumA, sumB, 0, 0, 0)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var sums = SIMD8<Double>()
        for partial in partials { sums += partial }
        let total = sums[0]
        var gradR = sums[1], gradAlpha = sums[2], gradA = sums[3], gradB = sums[4]
        let psiR = digamma(r), psiAB = digamma(a + b), psiB = digamma(b)
        let logAlpha = log(alpha)
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

/// Work over `0..<count` cut into fixed chunks that run on every core (one chunk below the
/// chunk size: no thread handoff for small data). The chunks depend on `count` only, and
/// ``map(_:_:)`` returns their results in order, so sums over them are the same on any machine.
enum Chunks {
    static let size = 1 << 15

    static func ranges(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: max(count, 1), by: size).map { $0..<min(count, $0 + size) }
    }

    static func run(_ count: Int, _ body: (Range<Int>) -> Void) {
        let ranges = ranges(count)
        if ranges.count == 1 { return body(ranges[0]) }
        // Each chunk reads shared immutable data and writes its own slots only.
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: ranges.count) { body(ranges[$0]) }
        }
    }

    static func map<T>(_ count: Int, _ body: (Range<Int>) -> T) -> [T] {
        let ranges = ranges(count)
        if ranges.count == 1 { return [body(ranges[0])] }
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: ranges.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        run(count) { range in results[range.lowerBound / size] = body(range) }
        return results.map { $0! }
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
