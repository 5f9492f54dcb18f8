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

    /// What breaks the id rule in `text`, and how to write it instead, for an error message: "a
    /// space at character 5: write it e.g. BANK-CHARGES, the same way wherever it is named"; nil
    /// for a valid id or an empty one (said as empty elsewhere). Real product codes and
    /// category names often hold spaces or slashes (`BANK CHARGES`, `BEER/ALE`).
    package static func idHint(_ text: String) -> String? {
        guard !text.isEmpty, !isValidID(text) else { return nil }
        let scalars = Array(text.unicodeScalars)
        func allowed(_ s: Unicode.Scalar) -> Bool { s.isASCII && isIDByte(UInt8(s.value)) }
        guard let k = scalars.firstIndex(where: { !allowed($0) }) else {
            return "\(text.utf8.count) bytes: at most 64"
        }
        let what = switch scalars[k] {
        case " ": "a space"
        case "\t": "a tab"
        default: "'\(scalars[k])'"
        }
        // A rewrite is offered for punctuation and spaces, not for letters outside ASCII (dropped,
        // "Café" would read "Caf").
        guard scalars.allSatisfy(\.isASCII) else { return "\(what) at character \(k + 1): ids are ASCII" }
        // Each run of characters outside the rule becomes one '-', none at either end.
        var suggestion = ""
        var pendingDash = false
        for s in scalars {
            if allowed(s) {
                if pendingDash && !suggestion.isEmpty { suggestion.append("-") }
                pendingDash = false
                suggestion.unicodeScalars.append(s)
            } else {
                pendingDash = true
            }
        }
        let instead = isValidID(suggestion) ? ": write it e.g. \(suggestion), the same way wherever it is named" : ""
        return "\(what) at character \(k + 1)\(instead)"
    }

    /// How to write a refused timestamp that real exports often hold, for an error message: a
    /// date alone, a time without a zone, a month/day/year date. Nil when it is none of these.
    /// Nothing is assumed for the user (a time without a zone is refused, not read as UTC): the
    /// hint says what to write, and that the zone is theirs to give.
    package static func timestampHint(_ text: String) -> String? {
        var trimmed = Substring(text)
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        let raw = String(trimmed)
        guard !raw.isEmpty, parseTimestamp(raw) == nil else { return nil }
        if parseDate(raw) != nil {
            return "a date without a time: write e.g. \(raw)T00:00:00Z for midnight UTC, or the time with its zone"
        }
        // "2010-12-01 08:26:00", "2010-12-01T08:26": a time without a zone.
        var iso = raw
        if let space = iso.firstIndex(of: " ") { iso.replaceSubrange(space...space, with: "T") }
        if iso.utf8.count == 16 { iso += ":00" }
        if parseTimestamp(iso + "Z") != nil {
            return "no zone: write e.g. \(iso)Z if the time is UTC, or with its offset, \(iso)+01:00"
        }
        // "12/1/2010 8:26" (month/day/year, as a US spreadsheet writes it; day/month elsewhere).
        let parts = raw.split(whereSeparator: { $0 == " " })
        let date = parts.first?.split(separator: "/") ?? []
        if date.count == 3, date.allSatisfy({ Int($0) != nil }), date[2].count == 4, parts.count <= 2 {
            var time = "00:00:00"
            if parts.count == 2 {
                let clock = parts[1].split(separator: ":")
                guard (2...3).contains(clock.count), clock.allSatisfy({ Int($0) != nil }) else { return nil }
                time = clock.map { $0.count == 1 ? "0" + $0 : String($0) }.joined(separator: ":") + (clock.count == 2 ? ":00" : "")
            }
            func two(_ s: Substring) -> String { s.count == 1 ? "0" + s : String(s) }
            let monthFirst = "\(date[2])-\(two(date[0]))-\(two(date[1]))T\(time)Z"
            let dayFirst = "\(date[2])-\(two(date[1]))-\(two(date[0]))T\(time)Z"
            let candidates = [monthFirst, dayFirst].filter { parseTimestamp($0) != nil }
            guard let first = candidates.first else { return nil }
            let which = candidates.count == 2 && monthFirst != dayFirst
                ? "\(monthFirst) if the date is month/day/year, \(dayFirst) if day/month/year"
                : first
            return "not ISO 8601: write year-month-day with a time and zone, e.g. \(which) (Z: UTC)"
        }
        return nil
    }

    /// How to write a refused amount that real exports often hold, for an error message: more
    /// than two decimals (a price × quantity computed in floating point), a thousands separator,
    /// a decimal comma, a currency sign, a negative amount (a refund). Nil when there is nothing
    /// to add. Nothing is rounded or rewritten for the user: the hint says what to write.
    package static func amountHint(_ text: String) -> String? {
        var trimmed = Substring(text)
        while trimmed.first == " " { trimmed.removeFirst() }
        while trimmed.last == " " { trimmed.removeLast() }
        let raw = String(trimmed)
        guard !raw.isEmpty, parseAmount(raw).map({ $0 < 0 }) ?? true else { return nil }
        if let units = parseAmount(raw), units < 0 {
            return "a negative amount: a refund or a cancellation is not a purchase, leave the line out"
        }
        // A currency sign or code around the number.
        let signs: Set<Character> = ["$", "€", "£", "¥", "₹", "₩", "₽", "¢"]
        var number = Substring(raw)
        var sign = false
        while let c = number.first, signs.contains(c) || c == " " { number.removeFirst(); sign = true }
        while let c = number.last, signs.contains(c) || c == " " { number.removeLast(); sign = true }
        for code in ["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD"] where number.hasSuffix(code) || number.hasPrefix(code) {
            number = number.hasSuffix(code) ? number.dropLast(code.count) : number.dropFirst(code.count)
            while number.first == " " { number.removeFirst() }
            while number.last == " " { number.removeLast() }
            sign = true
        }
        var candidate = String(number)
        var what: [String] = []
        if sign { what.append("without the currency") }
        // Separators: "1,249.90" (thousands), "12,50" (a decimal comma); "1,250" is either;
        // "1.249,90" (dots for thousands, a decimal comma, as much of Europe writes it).
        if let comma = candidate.lastIndex(of: ","), let dot = candidate.lastIndex(of: "."), dot < comma {
            candidate = candidate.replacingAll(".", with: "").replacingAll(",", with: ".")
            what.append("without the thousands separator, with a decimal point")
        } else if candidate.contains(",") {
            let pieces = candidate.split(separator: ",", omittingEmptySubsequences: false)
            let groups = pieces.count >= 2 && (1...3).contains(pieces[0].count) && pieces.dropFirst().enumerated().allSatisfy { k, piece in
                (k == pieces.count - 2 ? piece.split(separator: ".", omittingEmptySubsequences: false)[0] : piece).count == 3
            }
            let decimalComma = pieces.count == 2 && !candidate.contains(".") && (1...3).contains(pieces[1].count)
            let thousands = candidate.replacingAll(",", with: ""), comma = candidate.replacingAll(",", with: ".")
            let prefix = what.isEmpty ? "" : what.joined(separator: ", ") + ", "
            if groups && decimalComma, parseAmount(thousands) != nil {
                return "write it \(prefix)\(thousands) if the comma separates thousands, \(comma) if it is a decimal comma"
                    + (parseAmount(comma) == nil ? " (then rounded to cents: at most 2 decimals)" : "")
            }
            if groups {
                candidate = thousands
                what.append("without the thousands separator")
            } else if decimalComma {
                candidate = comma
                what.append("with a decimal point, not a comma")
            }
        }
        if parseAmount(candidate).map({ $0 >= 0 }) == true, !what.isEmpty {
            return "write it \(what.joined(separator: ", ")): \(candidate)"
        }
        // More than two decimals: the cents, rounded half up, as a suggestion.
        let parts = candidate.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[0].isEmpty, parts[1].count > 2, (parts[0] + parts[1]).allSatisfy(\.isASCII), (parts[0] + parts[1]).allSatisfy(\.isNumber),
           let cents = parseAmount(parts[0] + "." + parts[1].prefix(2)) {
            let up = parts[1].dropFirst(2).first.map { $0 >= "5" } ?? false
            let rounded = formatAmount(cents + (up ? 1 : 0))
            if parseAmount(rounded) != nil {
                what.append("rounded to cents")
                return "more than 2 decimals: Waymark does not round, write it \(what.joined(separator: ", ")), e.g. \(rounded)"
            }
        }
        return nil
    }

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
