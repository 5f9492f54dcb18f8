internal import Foundation

/// The seeded, deterministic pseudo-random generator (xoshiro256**, seeded through SplitMix64):
/// the one generator of the engine (exploration, baselines), the lifetime models (simulations)
/// and the synthetic populations (`WaymarkGenerator`, which adds its pinned samplers).
///
/// The same seed gives the same sequence on every platform and in every build, so simulations,
/// generated populations and tests are reproducible. It is not cryptographically secure.
/// Besides `RandomNumberGenerator`'s `next()`, it draws from the distributions the lifetime-value
/// models are built on: uniform, exponential, gamma, beta and Poisson.
///
/// ```swift
/// var random = SeededGenerator(seed: 42)
/// let rate = random.gamma(shape: 0.24, scale: 1 / 4.41)
/// ```
package struct SeededGenerator: RandomNumberGenerator, MarsagliaTsangSampling, Sendable, Hashable {
    private var core: Xoshiro256StarStar

    /// Creates a generator whose sequence is fully determined by `seed`.
    package init(seed: UInt64) {
        core = Xoshiro256StarStar(seed: seed)
    }

    /// The sub-stream for one purpose (`stream`) of one member (`index`) of a seeded population:
    /// a member's draws do not depend on any other member's.
    package init(seed: UInt64, index: UInt64, stream: UInt64) {
        var state = seed ^ 0x5851_F42D_4C95_7F2D
        var mixed = Xoshiro256StarStar.splitMix(&state)
        state = mixed ^ (index &* 0x9E37_79B9_7F4A_7C15)
        mixed = Xoshiro256StarStar.splitMix(&state)
        state = mixed ^ (stream &* 0xC2B2_AE3D_27D4_EB4F)
        self.init(seed: Xoshiro256StarStar.splitMix(&state))
    }

    /// The next 64 random bits.
    @inline(__always)
    package mutating func next() -> UInt64 { core.next() }

    /// A uniform draw from the open interval (0, 1): never exactly 0 or 1, so its logarithm is finite.
    @inline(__always)
    package mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
    }

    /// A uniform draw from the half-open interval [0, 1): may be exactly 0, so it is for
    /// comparisons (`uniformHalfOpen() < p`) and scaling, never for a logarithm.
    @inline(__always)
    package mutating func uniformHalfOpen() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p`.
    @inline(__always)
    package mutating func chance(_ p: Double) -> Bool {
        uniformHalfOpen() < p
    }

    /// A uniform integer in `0..<bound` (bound > 0), with negligible bias.
    @inline(__always)
    package mutating func below(_ bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A uniform integer in a closed range.
    package mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.upperBound - range.lowerBound + 1)
    }

    /// An index drawn with probability proportional to `weights` (at least one positive).
    package mutating func weightedIndex(_ weights: UnsafeBufferPointer<Double>, total: Double) -> Int {
        var target = uniformHalfOpen() * total
        for index in weights.indices {
            target -= weights[index]
            if target < 0 && weights[index] > 0 { return index }
        }
        return weights.lastIndex { $0 > 0 } ?? 0
    }

    /// An index drawn with probability proportional to `weights`.
    package mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        return weights.withUnsafeBufferPointer { weightedIndex($0, total: total) }
    }

    /// A standard normal draw (Box–Muller; one of the pair is discarded to keep the state simple).
    package mutating func normal() -> Double {
        let u1 = uniform()
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// An exponential draw with the given rate (mean `1 / rate`). Returns `+infinity` for rate 0.
    package mutating func exponential(rate: Double) -> Double {
        precondition(rate >= 0, "exponential rate must be non-negative, got \(rate)")
        return -log(uniform()) / rate
    }

    /// A gamma draw with the given shape and scale (mean `shape × scale`).
    ///
    /// Marsaglia and Tsang's method; shapes below 1 use the boost `G(k) = G(k + 1) · U^(1/k)`.
    package mutating func gamma(shape: Double, scale: Double = 1) -> Double {
        precondition(shape > 0 && scale > 0, "gamma shape and scale must be positive, got \(shape), \(scale)")
        if shape < 1 {
            let boost = pow(uniform(), 1 / shape)
            return gamma(shape: shape + 1, scale: scale) * boost
        }
        return standardGamma(shapeAtLeastOne: shape) * scale
    }

    package mutating func openUnitUniform() -> Double { uniform() }

    /// A beta draw with shape parameters `a` and `b` (mean `a / (a + b)`).
    package mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a)
        let y = gamma(shape: b)
        let sum = x + y
        // Both tiny shapes can underflow to 0; fall back on the Bernoulli limit.
        if sum == 0 { return uniform() < a / (a + b) ? 1 : 0 }
        return x / sum
    }

    /// A Poisson draw with the given mean.
    ///
    /// Knuth's multiplication method, applied to chunks of the mean so that `exp(-mean)` never
    /// underflows; the result is exact in distribution for any mean (the cost grows with the mean).
    package mutating func poisson(mean: Double) -> Int {
        precondition(mean >= 0 && mean.isFinite, "Poisson mean must be finite and non-negative, got \(mean)")
        var remaining = mean
        var count = 0
        // A Poisson(m) is the sum of Poisson(m_i) with Σ m_i = m; chunks of 30 keep exp(-m) far from underflow.
        while remaining > 0 {
            let chunk = min(remaining, 30)
            remaining -= chunk
            let limit = exp(-chunk)
            var product = uniform()
            while product > limit {
                count += 1
                product *= uniform()
            }
        }
        return count
    }
}
