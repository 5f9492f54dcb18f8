internal import WaymarkCore
/// What to generate: size, seed, history window and flavour.
///
/// The history covers `years` calendar years up to the start (00:00:00Z) of `endDay`: every
/// generated timestamp is before that instant, so scoring "as of" the end date sees it all.
package struct GeneratorConfiguration: Sendable, Equatable {
    /// Number of clients (ids `C0000001` … ).
    package var clients: Int
    /// The seed; the same configuration gives byte-identical files.
    package var seed: UInt64
    /// The end date as a day number (days since 1970-01-01); exclusive.
    package var endDay: Int
    /// Years of history before the end date.
    package var years: Int
    /// Which ladder(s) the population buys from.
    package var flavour: GeneratorFlavour
    /// The true parameters of the population.
    package var parameters: GeneratorParameters

    /// The default flavour when none is given (see docs/generator.md for why).
    package static let defaultFlavour = GeneratorFlavour.advisor
    /// The default number of years of history.
    package static let defaultYears = 5

    package init(
        clients: Int, seed: UInt64, endDay: Int, years: Int = defaultYears,
        flavour: GeneratorFlavour = defaultFlavour, parameters: GeneratorParameters = .default
    ) {
        self.clients = clients
        self.seed = seed
        self.endDay = endDay
        self.years = years
        self.flavour = flavour
        self.parameters = parameters
    }

    /// The first day of the history: the same calendar day `years` earlier (29 February → 28).
    package var startDay: Int {
        let (year, month, day) = CSVBytes.civil(fromDays: endDay)
        let clampedDay = (month == 2 && day == 29) ? 28 : day
        return CSVBytes.days(year: year - years, month: month, day: clampedDay)
    }

    /// Checks the configuration.
    ///
    /// - Throws: `GeneratorError` naming the bad value and the accepted range.
    package func validate() throws(GeneratorError) {
        guard clients >= 0 && clients <= 99_999_999 else {
            throw GeneratorError("clients must be between 0 and 99,999,999; got \(clients)")
        }
        guard years >= 1 && years <= 100 else {
            throw GeneratorError("years must be between 1 and 100; got \(years)")
        }
        let (year, _, _) = CSVBytes.civil(fromDays: endDay)
        guard year - years >= 1900 && year <= 9999 else {
            throw GeneratorError("the history (end \(year), \(years) years) must lie between 1900 and 9999")
        }
    }

    /// The day number of a `YYYY-MM-DD` date, or nil when the text is not a valid date.
    package static func day(fromISODate text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1
        else { return nil }
        let daysInMonth = [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28,
                           31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= daysInMonth else { return nil }
        return CSVBytes.days(year: year, month: month, day: day)
    }
}

/// A generator configuration that cannot be used, with what to change.
package struct GeneratorError: Error, CustomStringConvertible, Equatable {
    package let message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}
