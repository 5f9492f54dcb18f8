/// Parsers for the value formats of Waymark's import files (docs/formats.md), without Foundation
/// formatters: they run for every field of every row of a million-row import.

/// A point in time as whole seconds and microseconds since 1970-01-01T00:00:00Z.
package struct UTCTimestamp: Sendable, Hashable, Comparable {
    package var microseconds: Int64

    package init(microseconds: Int64) { self.microseconds = microseconds }
    package init(seconds: Int64) { self.microseconds = seconds * 1_000_000 }

    package var seconds: Int64 { microseconds.floorDiv(1_000_000) }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.microseconds < rhs.microseconds }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, a form PostgreSQL's timestamptz input reads exactly.
    package var postgresText: String {
        let secs = seconds
        let micros = microseconds - secs * 1_000_000
        let days = secs.floorDiv(86_400)
        let secondOfDay = secs - days * 86_400
        let (y, m, d) = CivilDate.fromDays(days)
        var text = CivilDate(year: y, month: m, day: d).isoText
        text += " " + twoDigits(Int(secondOfDay / 3600)) + ":" + twoDigits(Int(secondOfDay % 3600 / 60))
            + ":" + twoDigits(Int(secondOfDay % 60))
        if micros != 0 {
            var fraction = String(micros)
            while fraction.count < 6 { fraction = "0" + fraction }
            text += "." + fraction
        }
        return text + "+00"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (with `.ffffff` when there are microseconds).
    package var isoText: String {
        var text = postgresText
        text.removeLast(3)
        return text.replacingFirstSpace(with: "T") + "Z"
    }
}

/// A calendar date (proleptic Gregorian).
package struct CivilDate: Sendable, Hashable, Comparable {
    package var year: Int
    package var month: Int
    package var day: Int

    package init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.daysSinceEpoch < rhs.daysSinceEpoch }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    package var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day count since 1970-01-01.
    package static func fromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    package init(daysSinceEpoch days: Int64) {
        let (y, m, d) = CivilDate.fromDays(days)
        self.init(year: y, month: m, day: d)
    }

    /// `YYYY-MM-DD`; a year before 1 (a training window reaching back past 0001-01-01) as ISO
    /// 8601's expanded form, `-0009-01-05`, never `00-9-01-05`.
    package var isoText: String {
        let digits = String(year.magnitude)
        let yearText = (year < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        return yearText + "-" + twoDigits(month) + "-" + twoDigits(day)
    }

    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        default:
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
            return leap ? 29 : 28
        }
    }
}

/// The strict parsers behind import validation. Each returns nil when the text does not match;
/// the caller reports what was expected (see ``FieldFormat/expectation``).
package enum FieldFormats {
    /// The largest amount's integer part is below this (PostgreSQL's `numeric(14,2)`: 12 digits).
    package static let amountLimit: Int64 = 1_000_000_000_000
    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since 1970: the years a date or a
    /// timestamp may have (PostgreSQL would store year 0 as 1 BC).
    static let minimumSeconds: Int64 = CivilDate(year: 1, month: 1, day: 1).daysSinceEpoch * 86_400
    static let maximumSeconds: Int64 = CivilDate(year: 9999, month: 12, day: 31).daysSinceEpoch * 86_400 + 86_399

    /// `YYYY-MM-DD`.
    package static func parseDate(_ text: String) -> CivilDate? {
        withBytes(text) { parseDate(bytes: $0) }
    }

    /// `YYYY-MM-DD` from UTF-8 bytes.
    package static func parseDate(bytes: UnsafeBufferPointer<UInt8>) -> CivilDate? {
        let bytes = bytes
        guard bytes.count == 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
              let year = digits(bytes, 0, 4), let month = digits(bytes, 5, 2), let day = digits(bytes, 8, 2),
              year >= 1, (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// ISO 8601 with a zone: `YYYY-MM-DDTHH:MM[:SS[.f…]](Z|±HH[:MM])`; a space may stand for `T`.
    /// A timestamp without a zone is rejected: its meaning would depend on the server's time zone.
    package static func parseTimestamp(_ text: String) -> UTCTimestamp? {
        withBytes(text) { parseTimestamp(bytes: $0) }
    }

    /// ``parseTimestamp(_:)`` from UTF-8 bytes.
    package static func parseTimestamp(bytes b: UnsafeBufferPointer<UInt8>) -> UTCTimestamp? {
        guard b.count >= 17, let date = parseDate(bytes: UnsafeBufferPointer(rebasing: b[0..<10])),
              b[10] == 0x54 || b[10] == 0x20 || b[10] == 0x74,
              let hour = digits(b, 11, 2), b[13] == 0x3A, let minute = digits(b, 14, 2),
              hour < 24, minute < 60
        else { return nil }
        var i = 16
        var second = 0
        var micros: Int64 = 0
        if i < b.count, b[i] == 0x3A {
            guard let s = digits(b, i + 1, 2), s < 60 else { return nil }  // no leap seconds
            second = s
            i += 3
            if i < b.count, b[i] == 0x2E || b[i] == 0x2C {
                i += 1
                var scale: Int64 = 100_000
                let start = i
                while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                    micros += Int64(b[i] - 0x30) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        guard i < b.count else { return nil }  // the zone is required
        var offsetSeconds = 0
        if b[i] == 0x5A || b[i] == 0x7A {  // Z
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            let sign = b[i] == 0x2D ? -1 : 1
            guard let oh = digits(b, i + 1, 2), oh <= 15 else { return nil }  // PostgreSQL: within ±15:59
            i += 3
            var om = 0
            if i < b.count {
                if b[i] == 0x3A { i += 1 }
                guard let m = digits(b, i, 2), m < 60 else { return nil }
                om = m
                i += 2
            }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let secs = date.daysSinceEpoch * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        // In UTC too the moment must lie in years 0001–9999 (0001-01-01T00:30+01:00 is year 0).
        guard secs >= minimumSeconds, secs <= maximumSeconds else { return nil }
        return UTCTimestamp(microseconds: secs * 1_000_000 + micros)
    }

    /// An exact decimal amount with at most `scale` decimals, as an integer of minor units
    /// (`"1249.90"` → 124990 with scale 2). Rejects exponents, separators, more decimals and
    /// magnitudes of 10^12 or more (`numeric(14,2)`).
    package static func parseAmount(_ text: String, scale: Int = 2) -> Int64? {
        withBytes(text) { parseAmount(bytes: $0, scale: scale) }
    }

    /// ``parseAmount(_:scale:)`` from UTF-8 bytes.
    package static func parseAmount(bytes: UnsafeBufferPointer<UInt8>, scale: Int) -> Int64? {
        var b = bytes[...]
        guard !b.isEmpty else { return nil }
        var negative = false
        if b.first == 0x2D { negative = true; b = b.dropFirst() } else if b.first == 0x2B { b = b.dropFirst() }
        var units: Int64 = 0
        var seenDigit = false
        var decimals = -1
        for byte in b {
            if byte == 0x2E {
                guard decimals < 0 else { return nil }
                decimals = 0
                continue
            }
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            seenDigit = true
            if decimals >= 0 {
                decimals += 1
                guard decimals <= scale else { return nil }
            }
            let (m, o1) = units.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(byte - 0x30))
            guard !o1, !o2 else { return nil }
            units = s
        }
        guard seenDigit, decimals != 0 else { return nil }
        for _ in 0..<(scale - max(decimals, 0)) {
            let (m, o) = units.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
            units = m
        }
        var limit = amountLimit
        for _ in 0..<scale {
            let (m, o) = limit.multipliedReportingOverflow(by: 10)
            guard !o else { return negative ? -units : units }
            limit = m
        }
        guard units < limit else { return nil }  // at most 12 digits before the point
        return negative ? -units : units
    }

    /// Formats minor units as a decimal (`124990` → `"1249.90"` with scale 2).
    package static func formatAmount(_ units: Int64, scale: Int = 2) -> String {
        let negative = units < 0
        let magnitude = units.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        var fraction = String(magnitude % divisor)
        while fraction.count < scale { fraction = "0" + fraction }
        let whole = String(magnitude / divisor)
        return (negative ? "-" : "") + whole + (scale > 0 ? "." + fraction : "")
    }

    /// `true/false`, `1/0`, `yes/no`, `t/f` (any case).
    package static func parseBool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "t", "1", "yes", "y": true
        case "false", "f", "0", "no", "n": false
        default: nil
        }
    }

    /// The id rule as messages state it (the CLI, the protocol and the importers alike).
    package static let idRule = "an id: 1 to 64 of A-Z a-z 0-9 _ - . : @"

    /// An id: 1 to 64 of `A-Z a-z 0-9 _ - . : @`.
    package static func isValidID(_ text: String) -> Bool {
        withBytes(text) { isValidID(bytes: $0) }
    }

    /// ``isValidID(_:)`` on UTF-8 bytes.
    package static func isValidID(bytes utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !utf8.isEmpty, utf8.count <= 64 else { return false }
        for b in utf8 where !isIDByte(b) { return false }
        return true
    }

    /// Whether `b` is one of the id's characters, `A-Z a-z 0-9 _ - . : @`.
    @inline(__always)
    static func isIDByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == 0x5F || b == 0x2D || b == 0x2E || b == 0x3A || b == 0x40
    }

    /// Runs `body` over the UTF-8 bytes of `text` without copying a native string.
    @inline(__always)
    static func withBytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
    }

    /// A whole number.
    package static func parseInteger(_ text: String) -> Int? {
        Int(text)
    }

    @inline(__always)
    private static func digits(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= b.count else { return nil }
        var value = 0
        for i in start..<(start + count) {
            let d = b[i]
            guard d >= 0x30, d <= 0x39 else { return nil }
            value = value * 10 + Int(d - 0x30)
        }
        return value
    }
}

private func twoDigits(_ value: Int) -> String {
    value < 10 ? "0" + String(value) : String(value)
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}

extension String {
    fileprivate func replacingFirstSpace(with replacement: String) -> String {
        guard let space = firstIndex(of: " ") else { return self }
        return String(self[..<space]) + replacement + String(self[self.index(after: space)...])
    }
}
