internal import Foundation

/// A seeded, deterministic pseudo-random generator (xoshiro256**, seeded through SplitMix64).
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

    /// The next 64 random bits.
    package mutating func next() -> UInt64 { core.next() }

    /// A uniform draw from the open interval (0, 1): never exactly 0 or 1, so its logarithm is finite.
    package mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
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
