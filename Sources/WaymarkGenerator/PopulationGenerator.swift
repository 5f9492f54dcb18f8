internal import WaymarkCore
import Foundation

/// Generates a synthetic client population as CSV text, client by client.
///
/// Pure code: rows go into a `GeneratedBatch` that the caller drains (the `generate` command
/// writes each table to its file). Memory does not grow with the number of clients: each client
/// is generated from its own random sub-stream, written, and forgotten. The story and every
/// distribution are described in docs/generator.md.
///
/// ```swift
/// let generator = try PopulationGenerator(GeneratorConfiguration(clients: 1000, seed: 42, endDay: 20_000))
/// try generator.generate { table, bytes in try write(bytes, to: table.fileName) }
/// ```
package struct PopulationGenerator: Sendable {
    package let configuration: GeneratorConfiguration
    let ladders: [GeneratorLadder]
    let ladderBytes: [GenLadderBytes]
    let startSecond: Int64
    let endSecond: Int64
    let idWidth: Int

    /// A generator for a configuration.
    ///
    /// - Throws: `GeneratorError` when the configuration is out of range.
    package init(_ configuration: GeneratorConfiguration) throws(GeneratorError) {
        try configuration.validate()
        self.configuration = configuration
        ladders = GeneratorCatalog.ladders(for: configuration.flavour)
        ladderBytes = ladders.map(GenLadderBytes.init)
        startSecond = Int64(configuration.startDay) * 86_400
        endSecond = Int64(configuration.endDay) * 86_400
        idWidth = max(7, String(configuration.clients).count)
    }

    /// Generates every table and hands the CSV text to `flush` in chunks of about
    /// `flushThreshold` bytes, in file order (each table's chunks in sequence, header first).
    ///
    /// - Parameters:
    ///   - flushThreshold: a table's buffer is flushed once it holds at least this many bytes.
    ///   - flush: receives a table and the next bytes of its file.
    /// - Throws: only what `flush` throws.
    package func generate(
        flushThreshold: Int = 1 << 20,
        flush: (GeneratedTable, [UInt8]) throws -> Void
    ) rethrows {
        let grocery = configuration.flavour == .grocery
        var batch = GeneratedBatch()
        var scratch = GeneratorScratch()
        var purchaseNumber = 0
        for table in GeneratedTable.allCases { writeHeader(table, into: &batch[table]) }
        if grocery { writeGroceryProducts(into: &batch[.products]) } else { writeProducts(into: &batch[.products]) }
        for index in 0..<configuration.clients {
            if grocery {
                writeGroceryClient(index, purchaseNumber: &purchaseNumber, into: &batch)
            } else {
                writeClient(index, into: &batch, scratch: &scratch)
            }
            for table in GeneratedTable.allCases where batch[table].count >= flushThreshold {
                try flush(table, batch[table].bytes)
                batch[table].removeAll()
            }
        }
        for table in GeneratedTable.allCases where batch[table].count > 0 {
            try flush(table, batch[table].bytes)
            batch[table].removeAll()
        }
    }

    /// Appends the header line of a table.
    package func writeHeader(_ table: GeneratedTable, into out: inout CSVBytes) {
        // The grocer's purchases carry their order (lines of one basket are one occasion).
        let columns = table == .purchases && configuration.flavour == .grocery ? table.columns + ["order_id"] : table.columns
        for (position, column) in columns.enumerated() {
            if position > 0 { out.comma() }
            out.field(column)
        }
        out.newline()
    }

    /// Appends the rows of products.csv (without the header).
    package func writeProducts(into out: inout CSVBytes) {
        for ladder in ladders {
            for product in ladder.products {
                out.field(product.id)
                out.comma()
                out.field(product.name)
                out.comma()
                out.field(ladder.categories[product.categoryIndex].id)
                out.comma()
                out.cents(product.listPriceCents)
                out.comma()
                out.raw(product.repeatable ? "true" : "false")
                out.newline()
            }
        }
    }

    /// Appends every row of one client (0-based index) to the batch's tables.
    package func writeClient(_ index: Int, into batch: inout GeneratedBatch, scratch: inout GeneratorScratch) {
        precondition(index >= 0 && index < configuration.clients, "client index out of range")
        let client = makeClient(index)
        var rng = SeededGenerator(seed: configuration.seed, index: UInt64(index), stream: GenStream.timeline)
        scratch.reset()
        makeEvents(client, &rng, &scratch)
        let timeline = makePurchases(client, &rng, &scratch)
        makeInteractions(client, timeline, &rng, &scratch)
        makeResponses(client, timeline, &rng, &scratch)
        let attributes = makeAttributes(client, timeline, &rng)
        write(client, attributes: attributes, scratch: &scratch, into: &batch)
    }
}
