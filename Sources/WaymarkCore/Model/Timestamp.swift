/// A point in time: whole seconds since 1970-01-01T00:00:00Z (UTC).
///
/// The engine's hot path compares and subtracts plain integers; `Foundation.Date` is kept out of it.
/// Calendar conversion (proleptic Gregorian, UTC) is done here without Foundation.
package struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible, BitwiseCopyable {
    /// Seconds since the Unix epoch, UTC.
    package var seconds: Int64

    package static let secondsPerDay: Int64 = 86_400

    package init(seconds: Int64) {
        self.seconds = seconds
    }

    /// Midnight UTC of a calendar date, plus an optional time of day.
    package init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        seconds = days * Self.secondsPerDay + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Parses `YYYY-MM-DD` (midnight UTC); nil when malformed, not a real date, or in year 0000
    /// (dates run from 0001 to 9999, as the database stores them).
    package init?(isoDate text: some StringProtocol) {
        // Exactly YYYY-MM-DD, read byte by byte (no split, no substring).
        var fields = (0, 0, 0)
        var length = 0
        for byte in text.utf8 {
            switch length {
            case 4, 7:
                guard byte == UInt8(ascii: "-") else { return nil }
            case 0...9:
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let digit = Int(byte - UInt8(ascii: "0"))
                if length < 4 { fields.0 = fields.0 * 10 + digit } else if length < 7 { fields.1 = fields.1 * 10 + digit } else { fields.2 = fields.2 * 10 + digit }
            default:
                return nil
            }
            length += 1
        }
        let (y, m, d) = fields
        guard length == 10, y >= 1, (1...12).contains(m), (1...31).contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
        guard civil.day == d else { return nil } // 2023-02-30 and the like
    }

    /// The moment `days` whole days later (earlier when negative). Saturates at the ends of the
    /// range instead of trapping: a rule or catalog may name any number of days (`1e15` days is
    /// "ever"), and a server must not die of it.
    package func adding(days: Int) -> Timestamp {
        let (delta, productOverflow) = Int64(days).multipliedReportingOverflow(by: Self.secondsPerDay)
        let (sum, sumOverflow) = seconds.addingReportingOverflow(delta)
        guard !productOverflow, !sumOverflow else { return Timestamp(seconds: days < 0 ? .min : .max) }
        return Timestamp(seconds: sum)
    }

    /// Where "the last `days` days" before `self` begin, exclusive: a time `t` at or before `self`
    /// is within them when `t > start(ofLast: days)`, that is when `days(since: t) <= days`. Every
    /// "within" of the facts and the rule language (`bought_within`, `event_within`,
    /// `interactions_within`, `responded_within`, `interactions_90d`, `recent_categories`)
    /// counts this way, as `days_since_purchase` and `days_since_event` count days. Negative
    /// `days`: nothing is within (`self`).
    package func start(ofLast days: Int) -> Timestamp {
        guard days >= 0 else { return self }
        return adding(days: -days).adding(days: -1)
    }

    /// Whole days from `earlier` to `self`, rounded down (negative when `earlier` is later).
    package func days(since earlier: Timestamp) -> Int {
        let (delta, overflow) = seconds.subtractingReportingOverflow(earlier.seconds)
        guard !overflow else { return seconds > earlier.seconds ? Int(Int64.max / Self.secondsPerDay) : Int(Int64.min / Self.secondsPerDay) }
        return Int(Self.floorDays(delta))
    }

    /// Whole days in `seconds`, rounded down (towards the past), for any value.
    @inline(__always)
    static func floorDays(_ seconds: Int64) -> Int64 {
        seconds >= 0 ? seconds / secondsPerDay : (seconds + 1) / secondsPerDay - 1
    }

    /// Fractional days from `earlier` to `self`.
    package func fractionalDays(since earlier: Timestamp) -> Double {
        let (delta, overflow) = seconds.subtractingReportingOverflow(earlier.seconds)
        return (overflow ? Double(seconds) - Double(earlier.seconds) : Double(delta)) / Double(Self.secondsPerDay)
    }

    /// The UTC calendar date.
    package var civil: (year: Int, month: Int, day: Int) {
        Self.civilFromDays(Self.floorDays(seconds))
    }

    /// `YYYY-MM-DD` of the UTC date (``CivilDate/isoText``).
    package var isoDate: String {
        let c = civil
        return CivilDate(year: c.year, month: c.month, day: c.day).isoText
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    package var iso8601: String {
        let seconds = ((self.seconds % Self.secondsPerDay) + Self.secondsPerDay) % Self.secondsPerDay
        func pad(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(isoDate)T\(pad(seconds / 3600)):\(pad(seconds / 60 % 60)):\(pad(seconds % 60))Z"
    }

    package var description: String { isoDate }

    package static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.seconds < rhs.seconds }

    // The proleptic Gregorian conversions of `CivilDate` (Formats/FieldFormats.swift).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        CivilDate(year: year, month: month, day: day).daysSinceEpoch
    }

    static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        CivilDate.fromDays(days)
    }
}
