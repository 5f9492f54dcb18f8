package import Foundation

/// An exact decimal number: PostgreSQL's `numeric`, kept as its decimal text.
///
/// Money never goes through `Double`: `1249.90` stays `1249.90`, `0.01` stays `0.01`. Convert
/// to and from integer minor units (cents) with an explicit scale:
///
/// ```swift
/// let price = PostgresNumeric(minorUnits: 124_990, scale: 2)   // "1249.90"
/// let cents = try price.minorUnits(scale: 2)                   // 124990
/// ```
///
/// Equality and ordering compare numeric values, so `1249.9 == 1249.90`; ``text`` keeps the
/// scale the value was written with (as PostgreSQL does for a `numeric(12,2)` column).
package struct PostgresNumeric: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The decimal text: `-?[0-9]+(\.[0-9]+)?`, or `NaN`.
    package let text: String

    /// Parses a plain decimal (`"-12.50"`, `"+3"`, `".5"`, `"7."`) or `NaN`; `nil` for anything
    /// else (exponents, `Infinity`, spaces, thousands separators).
    package init?(_ text: some StringProtocol) {
        guard let normalized = Self.validate(String(text)) else { return nil }
        self.text = normalized
    }

    /// `minorUnits / 10^scale`, e.g. `(124990, 2)` → `1249.90`, `(-10, 2)` → `-0.10`.
    package init(minorUnits: Int64, scale: Int) {
        precondition(scale >= 0, "PostgresNumeric scale must not be negative")
        let negative = minorUnits < 0
        var digits = String(minorUnits.magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        text = (negative ? "-" : "") + digits
    }

    /// An integer value.
    package init(_ value: some BinaryInteger) { text = String(value) }

    /// Not-a-number, which `numeric` supports.
    package static let nan = PostgresNumeric(validated: "NaN")

    private init(validated: String) { text = validated }

    package var isNaN: Bool { text == "NaN" }
    package var isNegative: Bool { text.hasPrefix("-") }

    /// The number of digits after the decimal point in ``text``.
    package var scale: Int {
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: dot, to: text.endIndex) - 1
    }

    /// The value in integer minor units at `scale` (cents for 2), exactly.
    ///
    /// - Throws: ``PostgresError`` (kind `.decoding`) when the value has non-zero digits beyond
    ///   `scale` (it would be rounded), does not fit in `Int64`, or is NaN. Trailing zeros beyond
    ///   the scale are not an error: `1.500` at scale 2 is 150.
    package func minorUnits(scale: Int) throws(PostgresError) -> Int64 {
        precondition(scale >= 0, "PostgresNumeric scale must not be negative")
        func failure(_ why: String) -> PostgresError {
            PostgresError(kind: .decoding, message: "numeric value \(why) as minor units at scale \(scale)")
        }
        if isNaN { throw failure("NaN cannot be represented") }
        let negative = isNegative
        let unsigned = text.drop(while: { $0 == "-" })
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = parts[0]
        var fraction = parts.count > 1 ? Substring(parts[1]) : ""
        while fraction.count > scale, fraction.last == "0" { fraction.removeLast() }
        if fraction.count > scale { throw failure("has more than \(scale) decimal places and cannot be represented exactly") }
        let digits = integerPart + fraction + String(repeating: "0", count: scale - fraction.count)
        var value: Int64 = 0
        for digit in digits.utf8 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative
                ? times10.subtractingReportingOverflow(Int64(digit - 48))
                : times10.addingReportingOverflow(Int64(digit - 48))
            if overflow1 || overflow2 { throw failure("is too large to be represented in 64 bits") }
            value = next
        }
        return value
    }

    /// The nearest `Double` (for statistics, never for money).
    package var doubleValue: Double { Double(text) ?? .nan }

    /// The value as Foundation's `Decimal` (exact up to 38 significant digits).
    package var decimalValue: Decimal? { Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) }

    package var description: String { text }

    /// The canonical form used for equality: no leading zeros, no trailing fraction zeros, no `-0`.
    private var canonical: (negative: Bool, integer: Substring, fraction: Substring) {
        var unsigned = Substring(text)
        let negative = unsigned.first == "-"
        if negative { unsigned.removeFirst() }
        let parts = unsigned.split(separator: ".", omittingEmptySubsequences: false)
        var integer = parts[0].drop(while: { $0 == "0" })
        var fraction = parts.count > 1 ? parts[1] : ""
        while fraction.last == "0" { fraction.removeLast() }
        if integer.isEmpty { integer = "" }
        let isZero = integer.isEmpty && fraction.isEmpty
        return (negative && !isZero, integer, fraction)
    }

    package static func == (lhs: PostgresNumeric, rhs: PostgresNumeric) -> Bool {
        if lhs.isNaN || rhs.isNaN { return lhs.isNaN && rhs.isNaN }
        let l = lhs.canonical, r = rhs.canonical
        return l.negative == r.negative && l.integer == r.integer && l.fraction == r.fraction
    }

    package func hash(into hasher: inout Hasher) {
        if isNaN { hasher.combine("NaN"); return }
        let c = canonical
        hasher.combine(c.negative)
        hasher.combine(c.integer)
        hasher.combine(c.fraction)
    }

    /// Numeric order; NaN sorts above every number, as in PostgreSQL.
    package static func < (lhs: PostgresNumeric, rhs: PostgresNumeric) -> Bool {
        if lhs.isNaN { return false }
        if rhs.isNaN { return true }
        let l = lhs.canonical, r = rhs.canonical
        if l.negative != r.negative { return l.negative }
        let magnitudeLess: Bool
        if l.integer.count != r.integer.count {
            magnitudeLess = l.integer.count < r.integer.count
        } else if l.integer != r.integer {
            magnitudeLess = l.integer < r.integer
        } else if l.fraction == r.fraction {
            return false
        } else {
            magnitudeLess = l.fraction < r.fraction
        }
        return l.negative ? !magnitudeLess : magnitudeLess
    }

    private static func validate(_ input: String) -> String? {
        if input == "NaN" || input == "nan" || input == "NAN" { return "NaN" }
        var text = Substring(input)
        var sign = ""
        if let first = text.first, first == "+" || first == "-" {
            if first == "-" { sign = "-" }
            text.removeFirst()
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let isDigits = { (part: Substring) in part.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        var integer = parts[0]
        let fraction = parts.count == 2 ? parts[1] : nil
        guard isDigits(integer), fraction.map(isDigits) ?? true,
              !integer.isEmpty || !(fraction ?? "").isEmpty else { return nil }
        if integer.isEmpty { integer = "0" }
        var result = sign + integer
        if let fraction, !fraction.isEmpty { result += "." + fraction }
        return result
    }
}
