import ArgumentParser
import Foundation
import WaymarkCore

/// `waymark catalog`: validate (and, with `load`, store) a catalog of offers and messages.
struct CatalogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Validate or load a catalog of offers and reinforcement messages.",
        discussion: "The catalog format, the rule language and the scoring: docs/catalog.md.",
        subcommands: [Check.self, CatalogLoadCommand.self]
    )
}

extension CatalogCommand {
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate a catalog file and report every problem with its file:line:column.",
            discussion: """
                Prints "OK: N offers, M messages, version V" on success. Otherwise every problem goes \
                to stderr, one "file:line:column: error: message" line each, and the exit code is 2.
                With --products, product and category references are checked against that products.csv.

                Examples:
                  waymark catalog check catalog/examples/retail.yaml
                  waymark catalog check my-catalog.yaml --products products.csv
                """
        )

        @Argument(help: ArgumentHelp("The catalog (YAML or JSON).", valueName: "file"))
        var file: String

        @Option(help: ArgumentHelp("A products.csv (docs/formats.md) to check product and category references against.", valueName: "file.csv"))
        var products: String?

        func run() throws {
            do {
                let catalog = try CatalogCommand.validate(file: file, productsFile: products)
                try writeOutput(catalog.summary + "\n")
            } catch let error as CatalogError {
                throw catalogFailure(error)
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

    private static func read(_ path: String) throws(CatalogError) -> String {
        let data: Data?
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            data = FileManager.default.contents(atPath: path)
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
