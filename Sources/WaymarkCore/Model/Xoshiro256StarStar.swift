internal import Foundation

/// xoshiro256** seeded through SplitMix64: the pseudo-random core behind ``SeededGenerator``.
///
/// The sequence is fixed forever: generated files, simulations and pinned tests depend on it.
package struct Xoshiro256StarStar: Sendable, Hashable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// A generator whose sequence is fully determined by `seed` (expanded with SplitMix64).
    package init(seed: UInt64) {
        var state = seed
        s0 = Self.splitMix(&state)
        s1 = Self.splitMix(&state)
        s2 = Self.splitMix(&state)
        s3 = Self.splitMix(&state)
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }  // the one state xoshiro cannot leave
    }

    /// SplitMix64: advances `state` and returns the next mixed value.
    package static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }
}

/// A generator that can draw gamma variates by Marsaglia and Tsang's method: it supplies uniform
/// draws in the open interval (0, 1) and standard normal draws.
package protocol MarsagliaTsangSampling {
    /// A uniform draw in (0, 1), never exactly 0 or 1.
    mutating func openUnitUniform() -> Double
    /// A standard normal draw.
    mutating func normal() -> Double
}

extension MarsagliaTsangSampling {
    /// A standard gamma draw (scale 1) for `shape ≥ 1`, by Marsaglia and Tsang (2000).
    /// Callers handle shapes below 1 with the boost `G(k) = G(k + 1) · U^(1/k)` and scale the result.
    package mutating func standardGamma(shapeAtLeastOne shape: Double) -> Double {
        standardGamma(shapeAtLeastOne: shape) { $0.normal() }
    }

    /// The same draw with the normal variates taken from `normalDraw` (a sampler whose sequence
    /// is pinned to another normal method, such as the population generator's polar one).
    @inline(__always)
    package mutating func standardGamma(shapeAtLeastOne shape: Double, normal normalDraw: (inout Self) -> Double) -> Double {
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normalDraw(&self)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = openUnitUniform()
            if u < 1 - 0.0331 * (x * x) * (x * x) { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
