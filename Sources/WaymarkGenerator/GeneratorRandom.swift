internal import WaymarkCore
import Foundation

/// A small, fast, seedable random number generator (xoshiro256**) with the samplers the data
/// generator needs.
///
/// Each client gets its own sub-stream seeded from `(seed, client index, purpose)` through
/// SplitMix64, so a client's rows do not depend on any other client's and the output is stable
/// for a given seed. The sequence is fixed forever: changing it changes every generated file.
package struct GeneratorRandom: RandomNumberGenerator, MarsagliaTsangSampling, Sendable {
    private var core: Xoshiro256StarStar

    /// A generator seeded from one 64-bit value (expanded with SplitMix64).
    package init(seed: UInt64) {
        core = Xoshiro256StarStar(seed: seed)
    }

    /// The sub-stream for one purpose of one client of a seeded population.
    package init(seed: UInt64, index: UInt64, stream: UInt64) {
        var state = seed ^ 0x5851_F42D_4C95_7F2D
        var mixed = Xoshiro256StarStar.splitMix(&state)
        state = mixed ^ (index &* 0x9E37_79B9_7F4A_7C15)
        mixed = Xoshiro256StarStar.splitMix(&state)
        state = mixed ^ (stream &* 0xC2B2_AE3D_27D4_EB4F)
        self.init(seed: Xoshiro256StarStar.splitMix(&state))
    }

    @inline(__always)
    package mutating func next() -> UInt64 { core.next() }

    /// A uniform double in [0, 1).
    @inline(__always)
    package mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in (0, 1): safe to take the logarithm of.
    @inline(__always)
    package mutating func uniformPositive() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1.0p-53
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

    /// True with probability `p`.
    @inline(__always)
    package mutating func chance(_ p: Double) -> Bool {
        uniform() < p
    }

    /// Exponential with the given rate (mean 1/rate).
    package mutating func exponential(rate: Double) -> Double {
        -log(uniformPositive()) / rate
    }

    /// Standard normal (Marsaglia's polar method; one of the pair is discarded for simplicity).
    package mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// Gamma with a shape and a rate (mean shape/rate), by Marsaglia and Tsang;
    /// shapes below 1 use the `U^(1/shape)` boost.
    package mutating func gamma(shape: Double, rate: Double) -> Double {
        precondition(shape > 0 && rate > 0, "gamma needs a positive shape and rate")
        if shape < 1 {
            let boost = pow(uniformPositive(), 1 / shape)
            return gamma(shape: shape + 1, rate: rate) * boost
        }
        return standardGamma(shapeAtLeastOne: shape) / rate
    }

    package mutating func openUnitUniform() -> Double { uniformPositive() }

    /// Beta(a, b) as X/(X+Y) of two gammas.
    package mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a, rate: 1)
        let y = gamma(shape: b, rate: 1)
        let sum = x + y
        return sum > 0 ? x / sum : 0.5
    }

    /// Poisson with the given mean: multiplication method for small means, and a sum of
    /// exponential arrivals in chunks for large ones (exact, slower, rare here).
    package mutating func poisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean < 30 {
            let limit = exp(-mean)
            var product = uniform()
            var count = 0
            while product > limit {
                count += 1
                product *= uniform()
            }
            return count
        }
        // Count exponential(1) arrivals inside [0, mean).
        var time = exponential(rate: 1)
        var count = 0
        while time < mean {
            count += 1
            time += exponential(rate: 1)
        }
        return count
    }

    /// An index drawn with probability proportional to `weights` (at least one positive).
    package mutating func weightedIndex(_ weights: UnsafeBufferPointer<Double>, total: Double) -> Int {
        var target = uniform() * total
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
}
