/// An error of Waymark's storage layer, with a code that maps onto the CLI's exit codes.
package struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure it is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        /// Bad input: a data file, a catalog, a migration file (exit code 2).
        package static let invalidInput = Code(name: "invalid input")
        /// The database cannot be reached (exit code 3).
        package static let databaseUnavailable = Code(name: "database unavailable")
        /// Another run holds the lock (exit code 4).
        package static let locked = Code(name: "locked")
        /// Something that should exist does not (a client, a run).
        package static let notFound = Code(name: "not found")
        /// No catalog is stored yet: nothing can be recommended until one is loaded.
        package static let noCatalog = Code(name: "no catalog")
        /// Anything else (exit code 1).
        package static let failure = Code(name: "failure")
        package var description: String { name }
    }

    package var code: Code
    package var message: String
    package var underlying: (any Error & Sendable)?

    package init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    package var description: String { message }
}
