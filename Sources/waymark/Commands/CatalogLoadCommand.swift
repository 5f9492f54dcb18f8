import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkStore

/// `waymark catalog load FILE`.
struct CatalogLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Validate a catalog and store it as the new current version.",
        discussion: """
            Validates the whole document like `waymark catalog check` (against the products in the \
            database, when any are imported). On errors every problem is listed with file:line:column, \
            nothing is stored and the exit code is 2. Loading the same text again stores nothing.

            Example:
              waymark catalog load catalog/examples/retail.yaml
            """
    )

    @Argument(help: ArgumentHelp("The catalog file (YAML or JSON), or - for standard input.", valueName: "file"))
    var file: String

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try reportingErrors {
            let logger = database.logging.makeLogger("waymark.catalog")
            let text: String
            do throws(CatalogError) {
                text = try CatalogCommand.read(file)
            } catch {
                throw catalogFailure(error, trailer: "nothing was stored")
            }
            let connection = try database.connect(logger: logger)
            do {
                let loaded = try CatalogStore(connection: connection).save(text, file: file)
                try writeOutput("\(loaded.catalog.summary); stored as catalog version \(loaded.version.version) (checksum \(loaded.version.checksum.prefix(12)))\n")
            } catch let error as CatalogError {
                throw catalogFailure(error, trailer: "nothing was stored")
            }
        }
    }
}
