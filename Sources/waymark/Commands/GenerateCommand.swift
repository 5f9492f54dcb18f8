import ArgumentParser
import Foundation
import WaymarkCore
import WaymarkGenerator

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic client population as import files (clients, products, purchases, events, interactions, responses).",
        discussion: """
            Writes clients.csv, products.csv, purchases.csv, events.csv, interactions.csv and \
            responses.csv into the output directory, in the formats `waymark import` reads. The \
            population's story, its distributions and their true parameters, the product ids and the \
            item ids are described in docs/generator.md. The same --clients, --seed, --end, --years and \
            --flavour give byte-identical files. Output is streamed: memory does not grow with --clients.

            Examples:
              waymark generate --clients 10000 --seed 42 --out data
              waymark generate --clients 1000000 --seed 7 --end 2026-01-01 --years 3 --flavour retail --out /tmp/big
            """
    )

    @Option(help: ArgumentHelp("Number of clients to generate (ids C0000001, C0000002, …).", valueName: "n"))
    var clients: Int

    @Option(help: ArgumentHelp("Random seed; the same seed gives the same files.", valueName: "seed"))
    var seed: UInt64 = 42

    @Option(help: ArgumentHelp("Last day of history, YYYY-MM-DD (exclusive: every timestamp is before its midnight UTC). Default: today (UTC).", valueName: "date"))
    var end: String?

    @Option(help: ArgumentHelp("Years of history before --end.", valueName: "years"))
    var years: Int = GeneratorConfiguration.defaultYears

    @Option(help: ArgumentHelp("Which business: advisor (financial adviser), retail (coffee retailer), mixed (both) or grocery (150 categories, baskets).", valueName: "flavour"))
    var flavour: String = GeneratorConfiguration.defaultFlavour.rawValue

    @Option(help: ArgumentHelp("Directory to write the files into (created when missing; existing files are replaced).", valueName: "dir"))
    var out: String

    func validate() throws {
        guard GeneratorFlavour(rawValue: flavour) != nil else {
            throw ValidationError("--flavour must be one of \(GeneratorFlavour.allCases.map(\.rawValue).joined(separator: ", ")); got '\(flavour)'")
        }
        if let end, GeneratorConfiguration.day(fromISODate: end) == nil {
            throw ValidationError("--end must be a date YYYY-MM-DD, such as 2026-01-01; got '\(end)'")
        }
        do {
            try makeConfiguration().validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func makeConfiguration() -> GeneratorConfiguration {
        let today = Int((Date().timeIntervalSince1970 / 86_400).rounded(.down))
        return GeneratorConfiguration(
            clients: clients, seed: seed,
            endDay: end.flatMap(GeneratorConfiguration.day(fromISODate:)) ?? today,
            years: years, flavour: GeneratorFlavour(rawValue: flavour) ?? GeneratorConfiguration.defaultFlavour)
    }

    func run() throws {
        try reportingErrors {
            let configuration = makeConfiguration()
            let generator = try PopulationGenerator(configuration)
            let directory = URL(fileURLWithPath: out, isDirectory: true)
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            } catch {
                throw GenerateFailure("cannot create the output directory \(directory.path): \(error.localizedDescription)")
            }
            let started = Date()
            var files = try GeneratedTable.allCases.map { try OutputFile(directory: directory, table: $0) }
            defer { for file in files { file.discard() } }
            try generator.generate(flushThreshold: 1 << 20) { table, bytes in
                try files[table.rawValue].write(bytes)
            }
            for index in files.indices { try files[index].commit() }
            let seconds = Date().timeIntervalSince(started)

            var summary = "wrote \(configuration.clients) clients (\(configuration.flavour.rawValue), seed \(configuration.seed), "
            summary += "\(configuration.years) years to \(end ?? "today")) to \(directory.path) in \(String(format: "%.1f", seconds)) s\n"
            for file in files {
                summary += file.table.fileName.padding(toLength: 18, withPad: " ", startingAt: 0)
                summary += String(file.rows).leftPadded(12) + " rows " + String(format: "%10.1f MB", Double(file.bytes) / 1_000_000) + "\n"
            }
            try writeOutput(summary)
        }
    }
}

/// A file written under a temporary name and renamed into place once complete, so an
/// interrupted run never leaves a truncated file under the final name.
private struct OutputFile {
    let table: GeneratedTable
    let finalURL: URL
    let partialURL: URL
    let handle: FileHandle
    var rows = 0
    var bytes = 0
    var committed = false

    init(directory: URL, table: GeneratedTable) throws {
        self.table = table
        finalURL = directory.appendingPathComponent(table.fileName)
        partialURL = directory.appendingPathComponent(table.fileName + ".partial")
        guard FileManager.default.createFile(atPath: partialURL.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: partialURL.path)
        else {
            throw GenerateFailure("cannot create \(partialURL.path): check that the directory is writable")
        }
        self.handle = handle
    }

    mutating func write(_ chunk: [UInt8]) throws {
        do {
            try handle.write(contentsOf: chunk)
        } catch {
            throw GenerateFailure("cannot write \(partialURL.path): \(error.localizedDescription)")
        }
        bytes += chunk.count
        chunk.withUnsafeBufferPointer { buffer in
            var lines = 0
            for byte in buffer where byte == 10 { lines += 1 }
            rows += lines
        }
    }

    mutating func commit() throws {
        rows -= 1 // the header
        do {
            try handle.close()
            if FileManager.default.fileExists(atPath: finalURL.path) {
                try FileManager.default.removeItem(at: finalURL)
            }
            try FileManager.default.moveItem(at: partialURL, to: finalURL)
            committed = true
        } catch {
            throw GenerateFailure("cannot move \(partialURL.path) to \(finalURL.path): \(error.localizedDescription)")
        }
    }

    func discard() {
        guard !committed else { return }
        try? handle.close()
        try? FileManager.default.removeItem(at: partialURL)
    }
}

/// A file-system problem while generating, with the path involved.
struct GenerateFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
