internal import WaymarkCore
/// A growable byte buffer of CSV text with allocation-free formatting of the values the
/// generator writes (ids, timestamps, dates, amounts), so a million clients format quickly.
///
/// Timestamps are formatted from integer seconds since 1970-01-01T00:00:00Z with the proleptic
/// Gregorian calendar (`2024-03-01T10:15:00Z`), amounts from integer cents (`123.45`), and
/// free text is quoted per RFC 4180 when it holds a comma, a quote or a line break.
package struct CSVBytes: Sendable {
    /// The CSV text written so far (UTF-8).
    package var bytes: [UInt8] = []

    package init() {}

    package var count: Int { bytes.count }

    package mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    @inline(__always)
    package mutating func comma() { bytes.append(UInt8(ascii: ",")) }

    @inline(__always)
    package mutating func newline() { bytes.append(UInt8(ascii: "\n")) }

    /// Appends bytes that need no quoting (ids, enum values).
    @inline(__always)
    package mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }

    /// Appends a static ASCII string that needs no quoting.
    @inline(__always)
    package mutating func raw(_ value: StaticString) {
        value.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends a text field, quoted per RFC 4180 when it holds `,`, `"`, CR or LF (Core's `CSVWriter`).
    package mutating func field(_ value: String) {
        CSVWriter.appendField(value.utf8, to: &bytes)
    }

    /// Appends a text field given as UTF-8 bytes, quoted when needed.
    package mutating func field(_ value: [UInt8]) {
        CSVWriter.appendField(value, to: &bytes)
    }

    /// Appends a non-negative integer in decimal, left-padded with zeros to `width` digits.
    @inline(__always)
    package mutating func integer(_ value: Int, width: Int = 1) {
        precondition(value >= 0, "CSVBytes.integer takes non-negative values")
        let start = bytes.count
        var rest = value
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10))
            rest /= 10
        } while rest > 0
        while bytes.count - start < width { bytes.append(UInt8(ascii: "0")) }
        var low = start, high = bytes.count - 1
        while low < high {
            bytes.swapAt(low, high)
            low += 1
            high -= 1
        }
    }

    /// Appends an amount of cents as a decimal with two places (`12345` → `123.45`).
    package mutating func cents(_ value: Int) {
        precondition(value >= 0, "amounts are not negative")
        integer(value / 100)
        bytes.append(UInt8(ascii: "."))
        integer(value % 100, width: 2)
    }

    /// Appends a date `YYYY-MM-DD` for a day number (days since 1970-01-01).
    package mutating func date(day: Int) {
        let (year, month, dayOfMonth) = Self.civil(fromDays: day)
        integer(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        integer(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        integer(dayOfMonth, width: 2)
    }

    /// Appends a UTC timestamp `YYYY-MM-DDTHH:MM:SSZ` for seconds since 1970-01-01T00:00:00Z.
    package mutating func timestamp(seconds: Int64) {
        let secondsInt = Int(seconds)
        let day = secondsInt >= 0 ? secondsInt / 86_400 : (secondsInt - 86_399) / 86_400
        let secondOfDay = secondsInt - day * 86_400
        date(day: day)
        bytes.append(UInt8(ascii: "T"))
        integer(secondOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        integer(secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        integer(secondOfDay % 60, width: 2)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// Year, month (1–12) and day (1–31) of a day number, proleptic Gregorian.
    package static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        CivilDate.fromDays(Int64(days))
    }

    /// The day number (days since 1970-01-01) of a civil date.
    package static func days(year: Int, month: Int, day: Int) -> Int {
        Int(CivilDate(year: year, month: month, day: day).daysSinceEpoch)
    }
}
