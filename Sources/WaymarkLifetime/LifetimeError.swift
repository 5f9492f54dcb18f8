internal import WaymarkCore
/// An error from fitting or evaluating a lifetime-value model: what failed, where, how to fix it.
package struct LifetimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, extensible.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        package let rawValue: String
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package var description: String { rawValue }

        /// A client summary is impossible (negative frequency, recency beyond age, a non-finite value).
        package static let invalidSummary = Code("invalid_summary")
        /// There is nothing to fit on (no clients, or no repeat buyer for Gamma-Gamma).
        package static let noData = Code("no_data")
        /// A customer-summary file is malformed (the message names the line and column).
        package static let invalidFile = Code("invalid_file")
        /// The optimiser ended on a non-finite likelihood.
        package static let fitFailed = Code("fit_failed")
    }

    package var code: Code
    /// What failed and how to fix it, for a person.
    package var message: String
    /// The zero-based position of the offending client in the input, when there is one.
    package var index: Int?

    package init(_ code: Code, _ message: String, index: Int? = nil) {
        self.code = code
        self.message = message
        self.index = index
    }

    package var description: String {
        if let index { return "client #\(index + 1): \(message)" }
        return message
    }
}
