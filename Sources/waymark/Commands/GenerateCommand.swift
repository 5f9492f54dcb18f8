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
              waymark generate --uplift-for recs.csv --uplift 0.08 --base-rate 0.05 --from 2026-01-01 --out data

            With --uplift-for, no population is written: the purchases that follow a run's offers, with a known \
            uplift (docs/experiments.md).
            """
    )

    @Option(help: ArgumentHelp("Number of clients to generate (ids C0000001, C0000002, …).", valueName: "n"))
    var clients: Int?

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

    @Option(name: .customLong("uplift-for"), help: ArgumentHelp(
        "Plant a known uplift: write uplift-purchases.csv, the purchases that follow the offers of this export (`waymark export --include-holdout`) instead of a population.",
        valueName: "export.csv"))
    var upliftFor: String?

    @Option(help: ArgumentHelp("With --uplift-for: added to the purchase probability of clients who got the offer.", valueName: "p"))
    var uplift: Double = 0.1

    @Option(name: .customLong("base-rate"), help: ArgumentHelp("With --uplift-for: the purchase probability without the offer (held-out clients).", valueName: "p"))
    var baseRate: Double = 0.1

    @Option(help: ArgumentHelp("With --uplift-for: the first day of the purchases, YYYY-MM-DD (the run's as_of).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("With --uplift-for: the purchases fall within this many days from --from.", valueName: "days"))
    var days: Int = 60

    func validate() throws {
        if upliftFor != nil {
            guard let from, Timestamp(isoDate: from) != nil else {
                throw ValidationError("--uplift-for needs --from, the run's as_of as YYYY-MM-DD (e.g. --from 2026-01-01)")
            }
            guard (0...1).contains(baseRate), (-1...1).contains(uplift), (0...1).contains(baseRate + uplift) else {
                throw ValidationError("--base-rate must be from 0 to 1 and --base-rate + --uplift too; got \(baseRate) and \(uplift)")
            }
            guard (1...3650).contains(days) else { throw ValidationError("--days must be from 1 to 3650; got \(days)") }
            guard GeneratorFlavour(rawValue: flavour) != nil else {
                throw ValidationError("--flavour must be one of \(GeneratorFlavour.allCases.map(\.rawValue).joined(separator: ", ")); got '\(flavour)'")
            }
            return
        }
        guard clients != nil else { throw ValidationError("--clients is required: how many clients to generate (e.g. --clients 10000)") }
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
            clients: clients ?? 0, seed: seed,
            endDay: end.flatMap(GeneratorConfiguration.day(fromISODate:)) ?? today,
            years: years, flavour: GeneratorFlavour(rawValue: flavour) ?? GeneratorConfiguration.defaultFlavour)
    }

    func run() throws {
        if let upliftFor {
            return try reportingErrors { try plantUplift(exportFile: upliftFor) }
        }
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

extension GenerateCommand {
    /// `--uplift-for`: reads the export's client_id, item_id, kind and holdout columns and writes
    /// uplift-purchases.csv into --out.
    func plantUplift(exportFile: String) throws {
        guard let data = FileManager.default.contents(atPath: exportFile) else {
            throw GenerateFailure("cannot read \(exportFile): check the path (an export of `waymark export --include-holdout`)")
        }
        var parser = CSVParser()
        var records: [CSVRecord] = []
        do {
            try parser.parse([UInt8](data)) { records.append($0) }
            try parser.finish { records.append($0) }
        } catch {
            throw GenerateFailure("\(exportFile): \(error)")
        }
        guard let header = records.first?.fields else { throw GenerateFailure("\(exportFile) is empty") }
        let required = ["client_id", "item_id", "kind", "holdout"]
        let index = required.map { header.firstIndex(of: $0) }
        guard index.allSatisfy({ $0 != nil }) else {
            throw GenerateFailure("\(exportFile) needs the columns \(required.joined(separator: ", ")): export it with `waymark export --include-holdout --format csv`")
        }
        let columns = index.map { $0! }
        var exposures: [PlantedUplift.Exposure] = []
        for record in records.dropFirst() where record.fields.count == header.count && record.fields[columns[2]] == "offer" {
            exposures.append(PlantedUplift.Exposure(clientID: record.fields[columns[0]], itemID: record.fields[columns[1]],
                                                    holdout: record.fields[columns[3]] == "t" || record.fields[columns[3]] == "true"))
        }
        let plan = PlantedUplift(uplift: uplift, baseRate: baseRate, from: Timestamp(isoDate: from ?? "") ?? Timestamp(seconds: 0), days: days,
                                 seed: seed, flavour: GeneratorFlavour(rawValue: flavour) ?? GeneratorConfiguration.defaultFlavour)
        let (csv, counts) = plan.purchases(exposures)
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw GenerateFailure("cannot create the output directory \(directory.path): \(error.localizedDescription)")
        }
        let path = directory.appendingPathComponent("uplift-purchases.csv").path
        let output = try DataOutput(path: path)
        try output.write(Array(csv.utf8))
        try output.finish()
        let rate = { (buyers: Int, n: Int) in n > 0 ? String(format: "%.3f", Double(buyers) / Double(n)) : "-" }
        try writeOutput("""
            wrote \(path): \(counts.treatedBuyers + counts.heldOutBuyers) purchases planted with uplift \(uplift) over base rate \(baseRate)
              treated offers   \(counts.treated), buyers \(counts.treatedBuyers) (rate \(rate(counts.treatedBuyers, counts.treated)))
              held-out offers  \(counts.heldOut), buyers \(counts.heldOutBuyers) (rate \(rate(counts.heldOutBuyers, counts.heldOut)))
            \(counts.skipped > 0 ? "  skipped          \(counts.skipped) offers of items outside the generator's ladders\n" : "")
            """)
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
