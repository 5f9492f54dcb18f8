// What to write instead of a refused value, for the error messages of `import` and the
// protocol's `record_*` methods: real exports hold ids with spaces, times without a zone, amounts
// with thousands separators. Nothing here rewrites a value; a refused value stays refused.

extension FieldFormats {
    /// "expected an id: 1 to 64 of … (a space at character 5: write it e.g. …)": the id rule
    /// with what breaks it in `text`, as the CLI and the protocol say it.
    package static func expectedID(_ text: String) -> String {
        "expected " + idRule + (idHint(text).map { " (\($0))" } ?? "")
    }

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
}
