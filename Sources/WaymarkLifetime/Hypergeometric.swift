internal import WaymarkCore
internal import Foundation

/// The Gaussian hypergeometric function ₂F₁(a, b; c; z) for real arguments and z < 1.
///
/// ₂F₁(a, b; c; z) = Σₙ (a)ₙ (b)ₙ / ((c)ₙ n!) zⁿ, where (a)ₙ is the rising factorial. The series
/// converges for |z| < 1; the implementation keeps it fast and accurate over the whole real
/// half-line z < 1:
///
/// - for z < −½ it applies Pfaff's transformation
///   ₂F₁(a, b; c; z) = (1 − z)^(−a) ₂F₁(a, c − b; c; z / (z − 1)), which maps z to (0, 1) and
///   removes the alternating signs of the direct series;
/// - for 0 ≤ z < 1 with c − a − b < 0 it applies Euler's transformation
///   ₂F₁(a, b; c; z) = (1 − z)^(c − a − b) ₂F₁(c − a, c − b; c; z), whose terms decay like
///   n^(c − a − b − 1) zⁿ where the direct ones only decay like n^(a + b − c − 1) zⁿ (slowly, or
///   after growing by orders of magnitude); this is the case that matters for BG/NBD, where a, b
///   and c grow together with a client's purchase count;
/// - the series is summed with a running scale, so terms and sums far beyond `Double`'s range
///   (thousands of purchases) do not overflow; `logMagnitude` returns log |₂F₁| for that case.
///
/// The sum stops when a term is below 1e-16 of the sum while the terms are shrinking, or after
/// `maximumTerms` terms (then `converged` is false).
package enum Hypergeometric {
    /// The largest number of series terms summed before giving up (enough for 1 − z ≥ 2·10⁻⁵).
    package static let maximumTerms = 2_000_000

    /// The result of a ₂F₁ evaluation in log form.
    package struct LogValue: Sendable, Hashable {
        /// log |₂F₁(a, b; c; z)|; `-infinity` when the value is 0.
        package var logMagnitude: Double
        /// The sign of the value: 1, −1 or 0.
        package var sign: Double
        /// Whether the series met its tolerance within `maximumTerms` terms.
        package var converged: Bool

        /// The value itself (may overflow to ±infinity where `logMagnitude` is finite).
        package var value: Double { sign == 0 ? 0 : sign * exp(logMagnitude) }
    }

    /// ₂F₁(a, b; c; z) as a plain `Double`.
    ///
    /// - Returns: the value; NaN when z ≥ 1, when c is zero or a negative integer (unless the
    ///   series terminates first) or when an argument is not finite. The value may overflow to
    ///   infinity for large parameters; use ``log2F1(_:_:_:_:)`` there.
    package static func value(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        let result = log2F1(a, b, c, z)
        return result.converged ? result.value : .nan
    }

    /// log |₂F₁(a, b; c; z)| together with its sign, for arguments whose value exceeds `Double`'s range.
    package static func log2F1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> LogValue {
        let invalid = LogValue(logMagnitude: .nan, sign: .nan, converged: false)
        guard a.isFinite, b.isFinite, c.isFinite, z.isFinite, z < 1 else { return invalid }
        if z == 0 || a == 0 || b == 0 { return LogValue(logMagnitude: 0, sign: 1, converged: true) }
        if z < -0.5 {
            // Pfaff: keep the parameter that makes the transformed series terminate when possible.
            let w = z / (z - 1)
            let keepB = isNonPositiveInteger(b) && !isNonPositiveInteger(a)
            let transformed = keepB ? series(c - a, b, c, w) : series(a, c - b, c, w)
            let logPrefactor = -(keepB ? b : a) * log1p(-z)
            return LogValue(
                logMagnitude: transformed.logMagnitude + logPrefactor,
                sign: transformed.sign,
                converged: transformed.converged
            )
        }
        if z > 0.5 && c - a - b < 0 && !isNonPositiveInteger(a) && !isNonPositiveInteger(b) {
            let transformed = series(c - a, c - b, c, z)
            return LogValue(
                logMagnitude: transformed.logMagnitude + (c - a - b) * log1p(-z),
                sign: transformed.sign,
                converged: transformed.converged
            )
        }
        return series(a, b, c, z)
    }

    private static func isNonPositiveInteger(_ x: Double) -> Bool {
        x <= 0 && x == x.rounded()
    }

    /// The plain series with a running scale; requires |z| < 1.
    private static func series(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> LogValue {
        let scaleStep = 0x1.0p600
        var logScale = 0.0
        var sum = 1.0
        var term = 1.0
        var n = 0.0
        var shrinkingSmallTerms = 0
        for _ in 0..<maximumTerms {
            let denominator = (c + n) * (n + 1)
            if denominator == 0 {
                // c is a non-positive integer and the series has not terminated: undefined.
                return LogValue(logMagnitude: .nan, sign: .nan, converged: false)
            }
            let ratio = (a + n) * (b + n) / denominator * z
            term *= ratio
            n += 1
            if term == 0 {
                // A numerator parameter is a non-positive integer: the series is a polynomial.
                return finish(sum: sum, logScale: logScale, converged: true)
            }
            sum += term
            if abs(sum) > scaleStep || abs(term) > scaleStep {
                sum /= scaleStep
                term /= scaleStep
                logScale += log(scaleStep)
            }
            // The ratio of the next term is (a + n)(b + n) / ((c + n)(n + 1)) · z; stop once the
            // terms are negligible *and* shrinking, twice in a row (one tiny term is not enough:
            // a tiny `a` makes the first term tiny while later ones grow again).
            let nextRatio = abs((a + n) * (b + n) / ((c + n) * (n + 1)) * z)
            if abs(term) <= 1e-17 * abs(sum) && nextRatio < 1 {
                shrinkingSmallTerms += 1
                if shrinkingSmallTerms >= 2 { return finish(sum: sum, logScale: logScale, converged: true) }
            } else {
                shrinkingSmallTerms = 0
            }
        }
        return finish(sum: sum, logScale: logScale, converged: false)
    }

    private static func finish(sum: Double, logScale: Double, converged: Bool) -> LogValue {
        if sum == 0 { return LogValue(logMagnitude: -.infinity, sign: 0, converged: converged) }
        return LogValue(logMagnitude: log(abs(sum)) + logScale, sign: sum < 0 ? -1 : 1, converged: converged)
    }
}
