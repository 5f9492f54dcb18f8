import Foundation
import Testing
import WaymarkCore
@testable import WaymarkLifetime

@Suite("Lifetime: Gaussian hypergeometric 2F1")
struct LifetimeHypergeometricTests {
    private func close(_ actual: Double, _ expected: Double, relative: Double = 1e-12) -> Bool {
        abs(actual - expected) <= relative * max(1, abs(expected))
    }

    @Test("2F1(1, 1; 2; z) = −ln(1 − z)/z, across the series, Euler and Pfaff paths",
          arguments: [0.3, 0.6, 0.9, 0.999, -0.3, -0.7, -0.999, -5, -1000])
    func logarithm(z: Double) {
        let expected = -log1p(-z) / z
        #expect(close(Hypergeometric.value(1, 1, 2, z), expected), "z = \(z)")
    }

    @Test("2F1(a, b; b; z) = (1 − z)^(−a)", arguments: [(2.5, 3.1, 0.95), (0.7, 4.0, 0.4), (1.3, 0.2, -3), (3.0, 7.5, -0.6)])
    func binomial(a: Double, b: Double, z: Double) {
        #expect(close(Hypergeometric.value(a, b, b, z), pow(1 - z, -a)), "a = \(a), b = \(b), z = \(z)")
    }

    @Test("2F1(½, ½; 3/2; z²) = arcsin(z)/z and 2F1(½, 1; 3/2; z²) = artanh(z)/z")
    func inverseTrigonometric() {
        for z in [0.2, 0.7, 0.9, 0.99] {
            #expect(close(Hypergeometric.value(0.5, 0.5, 1.5, z * z), asin(z) / z, relative: 1e-11), "asin, z = \(z)")
            #expect(close(Hypergeometric.value(0.5, 1, 1.5, z * z), atanh(z) / z, relative: 1e-11), "atanh, z = \(z)")
        }
    }

    @Test("2F1(½, 1; 3/2; −z²) = arctan(z)/z, also far below −1")
    func arctangent() {
        for z in [0.5, 1, 2, 10] {
            #expect(close(Hypergeometric.value(0.5, 1, 1.5, -z * z), atan(z) / z, relative: 1e-11), "z = \(z)")
        }
    }

    @Test("a negative-integer numerator parameter gives a polynomial")
    func polynomial() {
        // 2F1(−3, 2; 5; z) = 1 − 6/5 z + 3·2·3/(5·6·... ) — written out term by term:
        let z = 0.7
        let expected = 1 + (-3.0 * 2 / 5) * z + (-3.0 * -2 * 2 * 3) / (5 * 6 * 2) * z * z
            + (-3.0 * -2 * -1 * 2 * 3 * 4) / (5 * 6 * 7 * 6) * z * z * z
        #expect(close(Hypergeometric.value(-3, 2, 5, z), expected))
        #expect(close(Hypergeometric.value(2, -3, 5, -2.5), {
            let w = -2.5
            return 1 + (-3.0 * 2 / 5) * w + (-3.0 * -2 * 2 * 3) / (5 * 6 * 2) * w * w
                + (-3.0 * -2 * -1 * 2 * 3 * 4) / (5 * 6 * 7 * 6) * w * w * w
        }()))
    }

    @Test("huge parameters stay finite in log form")
    func hugeParameters() {
        // (1 − z)^(−5000) at z = 0.99 is e^23026: far beyond Double, exact in log form.
        let result = Hypergeometric.log2F1(5000, 3.5, 3.5, 0.99)
        #expect(result.converged)
        #expect(result.sign == 1)
        #expect(close(result.logMagnitude, -5000 * log(0.01), relative: 1e-12))
        #expect(Hypergeometric.value(5000, 3.5, 3.5, 0.99) == .infinity)
        // The direct series with large a and b: terms grow to ~e^600 before they shrink.
        let direct = Hypergeometric.log2F1(4000, 4000, 4000, 0.3)
        #expect(close(direct.logMagnitude, -4000 * log(0.7), relative: 1e-12))
    }

    @Test("values without a closed form match mpmath (40 digits)")
    func referenceValues() {
        // mpmath.hyp2f1 at mp.dps = 40; log |2F1| where the value exceeds Double's range.
        let cases: [(a: Double, b: Double, c: Double, z: Double, log: Double)] = [
            (2.5, 3.7, 1.2, 0.95, 16.317271903603267722),
            (50.243, 52.426, 52.219, 0.8, 81.189740564208879759),
            (1.5, 2.5, 4, -20, -3.5649527983609158776),
            (0.3, -0.4, 0.9, -0.8, 0.089225347533324924008),
            (5000.243, 5002.426, 5002.219, 0.3, 1783.53519888536454),
        ]
        for c in cases {
            let result = Hypergeometric.log2F1(c.a, c.b, c.c, c.z)
            #expect(result.converged && result.sign == 1)
            #expect(close(result.logMagnitude, c.log, relative: 1e-11), "\(c): \(result.logMagnitude)")
        }
    }

    @Test("outside the domain: NaN, not a wrong number")
    func domain() {
        #expect(Hypergeometric.value(1, 1, 2, 1).isNaN)
        #expect(Hypergeometric.value(1, 1, 2, 1.5).isNaN)
        #expect(Hypergeometric.value(1, 1, -2, 0.5).isNaN)
        #expect(Hypergeometric.value(1, 1, 2, .nan).isNaN)
        #expect(Hypergeometric.value(1, 1, 2, 0) == 1)
    }
}
