internal import Foundation
package import WaymarkCore

/// The population's pinned samplers on Core's ``SeededGenerator``.
///
/// Each client gets its own sub-stream (`SeededGenerator(seed:index:stream:)`), so a client's rows
/// do not depend on any other client's. These samplers differ from the lifetime models' ones
/// (`normal()`, `beta`, `poisson`) in method, and every generated file depends on their exact
/// sequence, so they keep their own names: changing one changes every generated file.
extension SeededGenerator {
    /// Standard normal by Marsaglia's polar method (one of the pair is discarded for simplicity).
    package mutating func polarNormal() -> Double {
        while true {
            let u = 2 * uniformHalfOpen() - 1
            let v = 2 * uniformHalfOpen() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// Gamma with a shape and a rate (mean shape/rate), by Marsaglia and Tsang with polar normals;
    /// shapes below 1 use the `U^(1/shape)` boost.
    package mutating func gamma(shape: Double, rate: Double) -> Double {
        precondition(shape > 0 && rate > 0, "gamma needs a positive shape and rate")
        if shape < 1 {
            let boost = pow(uniform(), 1 / shape)
            return gamma(shape: shape + 1, rate: rate) * boost
        }
        return standardGamma(shapeAtLeastOne: shape) { $0.polarNormal() } / rate
    }

    /// Beta(a, b) as X/(X+Y) of two `gamma(shape:rate:)` draws; 0.5 when both underflow.
    package mutating func populationBeta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(shape: a, rate: 1)
        let y = gamma(shape: b, rate: 1)
        let sum = x + y
        return sum > 0 ? x / sum : 0.5
    }

    /// Poisson with the given mean: multiplication method for small means, and a sum of
    /// exponential arrivals in chunks for large ones (exact, slower, rare here).
    package mutating func populationPoisson(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean < 30 {
            let limit = exp(-mean)
            var product = uniformHalfOpen()
            var count = 0
            while product > limit {
                count += 1
                product *= uniformHalfOpen()
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
}
