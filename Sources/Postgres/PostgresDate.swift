/// A calendar date without a time or zone: PostgreSQL's `date`.
///
/// Stored as days since 1970-01-01 (proleptic Gregorian calendar), so it compares and hashes
/// cheaply and converts to and from `year`/`month`/`day` exactly. Years before 1 AD are
/// astronomical (year 0 is 1 BC), as PostgreSQL's `BC` dates map to them.
package struct PostgresDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01; negative before it.
    package var daysSinceEpoch: Int

    package init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// The date with these fields, or `nil` when they name no real day (e.g. February 30).
    package init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year) else { return nil }
        daysSinceEpoch = CivilCalendar.days(year: year, month: month, day: day)
    }

    /// Parses `YYYY-MM-DD` (more than four year digits allowed), optionally followed by ` BC`.
    package init?(_ text: some StringProtocol) {
        var bytes = Array(text.utf8)
        guard let parsed = Self.parse(&bytes[...]) else { return nil }
        self = parsed
    }

    package var year: Int { CivilCalendar.civil(days: daysSinceEpoch).year }
    package var month: Int { CivilCalendar.civil(days: daysSinceEpoch).month }
    package var day: Int { CivilCalendar.civil(days: daysSinceEpoch).day }

    /// The date `count` days later (earlier when negative).
    package func adding(days count: Int) -> PostgresDate { .init(daysSinceEpoch: daysSinceEpoch + count) }

    /// `YYYY-MM-DD`, or PostgreSQL's `YYYY-MM-DD BC` form for years before 1 AD.
    package var description: String {
        let (year, month, day) = CivilCalendar.civil(days: daysSinceEpoch)
        let shownYear = year >= 1 ? year : 1 - year
        let text = CivilCalendar.pad(shownYear, 4) + "-" + CivilCalendar.pad(month, 2) + "-" + CivilCalendar.pad(day, 2)
        return year >= 1 ? text : text + " BC"
    }

    package static func < (lhs: PostgresDate, rhs: PostgresDate) -> Bool {
        lhs.daysSinceEpoch < rhs.daysSinceEpoch
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return CivilCalendar.isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Parses a date at the start of `bytes`, consuming it (and a trailing ` BC` when `allowEra`).
    static func parse(_ bytes: inout ArraySlice<UInt8>, requireEnd: Bool = true) -> PostgresDate? {
        guard let year = CivilCalendar.number(&bytes, minDigits: 4, maxDigits: 9),
              bytes.popFirst() == UInt8(ascii: "-"),
              let month = CivilCalendar.number(&bytes, minDigits: 2, maxDigits: 2),
              bytes.popFirst() == UInt8(ascii: "-"),
              let day = CivilCalendar.number(&bytes, minDigits: 2, maxDigits: 2)
        else { return nil }
        var astronomicalYear = year
        if bytes.last == UInt8(ascii: "C"), bytes.count >= 3, bytes.suffix(3).elementsEqual(" BC".utf8) {
            bytes.removeLast(3)
            astronomicalYear = 1 - year
        }
        if requireEnd, !bytes.isEmpty { return nil }
        return PostgresDate(year: astronomicalYear, month: month, day: day)
    }
}

/// Conversions between days since 1970-01-01 and proleptic Gregorian dates
/// (Howard Hinnant's `days_from_civil` / `civil_from_days`).
enum CivilCalendar {
    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Reads `minDigits...maxDigits` decimal digits from the front of `bytes`.
    static func number(_ bytes: inout ArraySlice<UInt8>, minDigits: Int, maxDigits: Int) -> Int? {
        var value = 0
        var count = 0
        while count < maxDigits, let byte = bytes.first, byte >= 48, byte <= 57 {
            value = value * 10 + Int(byte - 48)
            count += 1
            bytes.removeFirst()
        }
        return count >= minDigits ? value : nil
    }
}
