package import WaymarkCore

/// The one error of Waymark's storage layer, with an extensible code.
///
/// The code says what kind of failure it is; which exit code or protocol error it becomes is
/// decided at the edge (the executable, the JSON-RPC service), never here.
package struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure it is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        package init(name: String) { self.name = name }
        /// Bad input: a data file, a catalog, a migration file.
        package static let invalidInput = Code(name: "invalid input")
        /// Rows (or the header) of an import file are invalid, and nothing was stored (see
        /// ``StoreError/issues``).
        package static let invalidRows = Code(name: "invalid rows")
        /// The database cannot be reached (see ``StoreError/retryAfterMilliseconds``).
        package static let databaseUnavailable = Code(name: "database unavailable")
        /// Another run holds the lock.
        package static let locked = Code(name: "locked")
        /// Something that should exist does not (a client, a run).
        package static let notFound = Code(name: "not found")
        /// No catalog is stored yet: nothing can be recommended or scored until one is loaded.
        package static let noCatalog = Code(name: "no catalog")
        /// No scoring run is published yet.
        package static let noPublishedRun = Code(name: "no published run")
        /// The scoring run asked for does not exist or has no published results.
        package static let runNotFound = Code(name: "run not found")
        /// A write refers to something that does not exist (see ``StoreError/reference``).
        package static let missingReference = Code(name: "missing reference")
        /// The client exists, but not yet at the moment asked for (`as_of` before its
        /// `first_seen`): no stage, no offers (see ``StoreError/notYetClient(_:firstSeen:asOf:)``).
        package static let notYetClient = Code(name: "not yet a client")
        /// A serialization failure or deadlock: the same request may succeed when tried again.
        package static let conflict = Code(name: "conflict")
        /// Anything else.
        package static let failure = Code(name: "failure")
        package var description: String { name }
    }

    /// What a write referred to that does not exist.
    package struct Reference: Sendable, Equatable {
        /// The column holding the reference (`client_id`, `product_id`).
        package var column: String
        /// What is missing ("client", "product").
        package var what: String
        package var value: String

        package init(column: String, what: String, value: String) {
            self.column = column
            self.what = what
            self.value = value
        }
    }

    package var code: Code
    package var message: String
    package var underlying: (any Error & Sendable)?
    /// For ``Code/databaseUnavailable``: when the next attempt to connect will be made.
    package var retryAfterMilliseconds: Int?
    /// For ``Code/missingReference``: what is missing.
    package var reference: Reference?
    /// For ``Code/notYetClient``: the client's `first_seen` and the `as_of` asked for.
    package var notYetClient: NotYetClient?
    /// For ``Code/invalidRows``: the first problems found, by file, line and column.
    package var issues: [ImportIssue] = []
    /// For ``Code/invalidRows``: how many rows (or header problems) were found, of which
    /// ``issues`` holds the first ones.
    package var errorCount = 0

    package init(_ code: Code, _ message: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    package var description: String { message }

    /// A client id that breaks the id rule (``FieldFormats/idRule``): invalid input, the same
    /// rule the protocol's params and the importers apply.
    package static func malformedClientID(_ clientID: String) -> StoreError {
        StoreError(.invalidInput, "malformed client id '\(clientID)': " + FieldFormats.expectedID(clientID))
    }

    /// `as_of` before the client's `first_seen`.
    package static func notYetClient(_ clientID: String, firstSeen: Timestamp, asOf: Timestamp) -> StoreError {
        var error = StoreError(.notYetClient, "'\(clientID)' was not yet a client on \(asOf.isoDate) (first seen \(firstSeen.isoDate)): no stage, no offers")
        error.notYetClient = NotYetClient(firstSeen: firstSeen.isoDate, asOf: asOf.isoDate)
        return error
    }

    /// For ``Code/notYetClient``: the dates compared.
    package struct NotYetClient: Sendable, Equatable {
        package var firstSeen: String
        package var asOf: String
    }

    /// Invalid rows of an import file: nothing was stored.
    ///
    /// - Parameters:
    ///   - issues: the first problems found.
    ///   - errorCount: all the problems found, of which `issues` are the first.
    package static func invalidRows(issues: [ImportIssue], errorCount: Int) -> StoreError {
        var lines = issues.map(\.description)
        if errorCount > issues.count { lines.append("… and \(errorCount - issues.count) more problems") }
        var error = StoreError(.invalidRows, lines.joined(separator: "\n"))
        error.issues = issues
        error.errorCount = errorCount
        return error
    }
}
