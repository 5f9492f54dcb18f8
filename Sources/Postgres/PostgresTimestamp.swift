package import Foundation

/// Text encoding and decoding of `timestamptz` / `timestamp` values as `Date`, at microsecond
/// precision (PostgreSQL's own).
enum PostgresTimestamp {
    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, in UTC; the instant rounded to the microsecond.
    static func encode(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let total = Int64(micros)
        let (seconds, fraction) = floorDivide(total, 1_000_000)
        let (days, secondOfDay) = floorDivide(seconds, 86_400)
        var text = PostgresDate(daysSinceEpoch: Int(days)).description
        let hour = Int(secondOfDay / 3600), minute = Int(secondOfDay / 60 % 60), second = Int(secondOfDay % 60)
        let isBC = text.hasSuffix(" BC")
        if isBC { text.removeLast(3) }
        text += " " + CivilCalendar.pad(hour, 2) + ":" + CivilCalendar.pad(minute, 2) + ":" + CivilCalendar.pad(second, 2)
        text += "." + CivilCalendar.pad(Int(fraction), 6) + "+00"
        if isBC { text += " BC" }
        return text
    }

    /// Parses PostgreSQL's ISO output: `YYYY-MM-DD HH:MM:SS[.f…][±HH[:MM[:SS]]][ BC]`.
    /// Without an offset (a `timestamp` column) the value is read as UTC.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var rest = ArraySlice(bytes)
        var isBC = false
        if rest.count >= 3, rest.suffix(3).elementsEqual(" BC".utf8) {
            rest.removeLast(3)
            isBC = true
        }
        guard let date = PostgresDate.parse(&rest, requireEnd: false) else { return nil }
        guard let separator = rest.popFirst(), separator == UInt8(ascii: " ") || separator == UInt8(ascii: "T"),
              let hour = CivilCalendar.number(&rest, minDigits: 2, maxDigits: 2),
              rest.popFirst() == UInt8(ascii: ":"),
              let minute = CivilCalendar.number(&rest, minDigits: 2, maxDigits: 2),
              rest.popFirst() == UInt8(ascii: ":"),
              let second = CivilCalendar.number(&rest, minDigits: 2, maxDigits: 2)
        else { return nil }
        var micros = 0
        if rest.first == UInt8(ascii: ".") {
            rest.removeFirst()
            var scale = 100_000
            var digits = 0
            while let byte = rest.first, byte >= 48, byte <= 57 {
                micros += Int(byte - 48) * scale
                scale /= 10
                digits += 1
                rest.removeFirst()
            }
            if digits == 0 { return nil }
        }
        var offset = 0
        if let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            rest.removeFirst()
            guard let hours = CivilCalendar.number(&rest, minDigits: 2, maxDigits: 2) else { return nil }
            offset = hours * 3600
            if rest.first == UInt8(ascii: ":") {
                rest.removeFirst()
                guard let minutes = CivilCalendar.number(&rest, minDigits: 2, maxDigits: 2) else { return nil }
                offset += minutes * 60
                if rest.first == UInt8(ascii: ":") {
                    rest.removeFirst()
                    guard let seconds = CivilCalendar.number(&rest, minDigits: 2, maxDigits: 2) else { return nil }
                    offset += seconds
                }
            }
            if sign == UInt8(ascii: "-") { offset = -offset }
        } else if rest.first == UInt8(ascii: "Z") {
            rest.removeFirst()
        }
        guard rest.isEmpty else { return nil }
        var days = date.daysSinceEpoch
        if isBC {
            let (year, month, day) = CivilCalendar.civil(days: days)
            days = CivilCalendar.days(year: 1 - year, month: month, day: day)
        }
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000)
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        var quotient = value / divisor
        var remainder = value % divisor
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}

extension PostgresDate {
    /// The calendar day of `date` in UTC.
    package init(utcDayOf date: Date) {
        daysSinceEpoch = Int((date.timeIntervalSince1970 / 86_400).rounded(.down))
    }

    /// Midnight UTC at the start of this day.
    package var utcMidnight: Date { Date(timeIntervalSince1970: Double(daysSinceEpoch) * 86_400) }
}
