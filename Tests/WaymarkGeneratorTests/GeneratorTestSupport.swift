import Foundation
import WaymarkCore
@testable import WaymarkGenerator

/// The generated files of one configuration, as bytes and parsed rows.
struct GeneratedFiles {
    var bytes: [GeneratedTable: [UInt8]] = [:]

    /// Generates in small chunks (to exercise the flushing) and collects every file.
    init(clients: Int, seed: UInt64 = 42, endDay: Int = GeneratorFixtures.endDay, years: Int = 5,
         flavour: GeneratorFlavour = .advisor, parameters: GeneratorParameters = .default) throws {
        let configuration = GeneratorConfiguration(
            clients: clients, seed: seed, endDay: endDay, years: years, flavour: flavour, parameters: parameters)
        let generator = try PopulationGenerator(configuration)
        var collected: [GeneratedTable: [UInt8]] = [:]
        generator.generate(flushThreshold: 4096) { table, chunk in
            collected[table, default: []].append(contentsOf: chunk)
        }
        bytes = collected
    }

    func text(_ table: GeneratedTable) -> String {
        String(decoding: bytes[table] ?? [], as: UTF8.self)
    }

    /// Rows as dictionaries keyed by the header's column names.
    func rows(_ table: GeneratedTable) throws -> [[String: String]] {
        let records = try CSVTestParser.parse(text(table))
        guard let header = records.first else { return [] }
        return records.dropFirst().map { record in
            Dictionary(uniqueKeysWithValues: zip(header, record))
        }
    }

    func header(_ table: GeneratedTable) throws -> [String] {
        try CSVTestParser.parse(text(table)).first ?? []
    }
}

enum GeneratorFixtures {
    /// 2026-01-01.
    static let endDay = CSVBytes.days(year: 2026, month: 1, day: 1)
    static var endSecond: Int64 { Int64(endDay) * 86_400 }
}

/// A strict RFC 4180 reader for the tests (independent of the generator's writer).
enum CSVTestParser {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var afterQuote = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let scalar = pending { pending = nil; return scalar }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else {
                            inQuotes = false
                            afterQuote = true
                            pending = following
                        }
                    } else {
                        inQuotes = false
                        afterQuote = true
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case ",":
                record.append(field)
                field = ""
                afterQuote = false
            case "\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
                afterQuote = false
            case "\"":
                guard field.isEmpty && !afterQuote else { throw Failure(description: "stray quote in field after \(field)") }
                inQuotes = true
            default:
                guard !afterQuote else { throw Failure(description: "text after a closing quote") }
                field.unicodeScalars.append(c)
            }
        }
        guard !inQuotes else { throw Failure(description: "unterminated quoted field") }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SSZ` to seconds since the epoch.
func parseTimestamp(_ text: String) -> Int64? {
    let scalars = Array(text.utf8)
    guard scalars.count == 20, scalars[10] == UInt8(ascii: "T"), scalars[19] == UInt8(ascii: "Z") else { return nil }
    func number(_ range: Range<Int>) -> Int? { Int(String(decoding: scalars[range], as: UTF8.self)) }
    guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
          let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
    else { return nil }
    return Int64(CSVBytes.days(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
}
