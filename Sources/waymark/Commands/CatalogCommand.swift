import ArgumentParser
import Foundation
import Logging
import WaymarkCore
import WaymarkStore

/// `waymark catalog`: validate (and, with `load`, store) a catalog of offers and messages.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Validate or load a catalog of offers and reinforcement messages.",
        discussion: """
            The catalog format, the rule language and the scoring: docs/catalog.md.

            Examples:
              waymark catalog check catalog/examples/retail.yaml
              waymark catalog load catalog/examples/financial-advisor.yaml
            """,
        subcommands: [Check.self, CatalogLoadCommand.self]
    )
}

extension CatalogCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a catalog file and report every problem with its file:line:column.",
            discussion: """
                Prints "OK: N offers, M messages, version V" on success, then a line saying what the \
                product and category references were checked against. Otherwise every problem goes \
                to stderr, one "file:line:column: error: message" line each, and the exit code is 2.
                References are checked against --products FILE (a products.csv) when given, else \
                against the products in the database when one is reachable; with neither they are \
                not checked, and the second line says so.

                Examples:
                  waymark catalog check catalog/examples/retail.yaml
                  waymark catalog check my-catalog.yaml --products products.csv
                """
        )

        @Argument(help: ArgumentHelp("The catalog (YAML or JSON).", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("A products.csv (docs/formats.md) to check product and category references against (default: the database's products).", valueName: "file.csv"))
        var products: String?

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let (known, source) = products == nil ? databaseProducts() : (nil, nil)
            do {
                let catalog = try CatalogCommand.validate(file: file, productsFile: products, knownProducts: known)
                let checked = source ?? "product references: checked against \(products ?? "")"
                try writeOutput(catalog.summary + "\n" + checked + "\n")
            } catch let error as CatalogError {
                throw catalogFailure(error)
            }
        }

        /// The database's products when a database is reachable and has some, with a line saying
        /// which references were checked against what.
        private func databaseProducts() -> (ProductDirectory?, String) {
            let logger = database.logging.makeLogger("waymark.catalog")
            let connection: StoreConnection
            do {
                connection = try database.connect(logger: logger)
            } catch {
                logger.info("no database for the product references", metadata: ["error": "\(error)"])
                return (nil, "no database: product references not checked; pass --products FILE")
            }
            do {
                let products = try CatalogStore(connection: connection).products()
                if products.isEmpty {
                    return (nil, "the database has no products yet: product references not checked; import products or pass --products FILE")
                }
                return (products, "product references: checked against the database's \(counted(products.byID.count, "product"))")
            } catch {
                logger.info("cannot read the database's products", metadata: ["error": "\(error)"])
                return (nil, "the database has no product table (run waymark migrate): product references not checked; pass --products FILE")
            }
        }
    }

    /// Reads and validates a catalog file, with the references of an optional products file.
    ///
    /// - Throws: `CatalogError` (exit code 2) for a catalog or products file that does not validate
    ///   or cannot be read.
    static func validate(file: String, productsFile: String?, knownProducts: ProductDirectory? = nil) throws -> Catalog {
        var references = CatalogReferences(products: knownProducts)
        if let productsFile {
            let text = try read(productsFile)
            references = CatalogReferences(products: try ProductDirectory.parseCSV(text, file: productsFile))
        }
        return try CatalogLoader.load(try read(file), file: file, references: references)
    }

    /// A catalog's (or products file's) text: `-` for standard input; a device or a pipe is
    /// read, a directory or an unreadable path named as such, invalid UTF-8 refused. Every
    /// command that takes a catalog file reads it here.
    static func read(_ path: String) throws(CatalogError) -> String {
        let data: Data?
        var isDirectory: ObjCBool = false
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CatalogError(diagnostics: [CatalogDiagnostic(location: SourceLocation(file: path), message: "is a directory: give the catalog's YAML file")])
        } else if let handle = FileHandle(forReadingAtPath: path) {
            // Read through a handle, not `contents(atPath:)`, which answers nil for a readable
            // device or pipe (`/dev/null`, `<(…)`) as for a missing file.
            defer { try? handle.close() }
            data = try? handle.readToEnd() ?? Data()
        } else {
            data = nil
        }
        guard let data else {
            throw CatalogError(diagnostics: [CatalogDiagnostic(location: SourceLocation(file: path), message: "cannot read the file (does it exist, and is it readable?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CatalogError(diagnostics: [CatalogDiagnostic(location: SourceLocation(file: path), message: "the file is not UTF-8 text")])
        }
        return text
    }
}
