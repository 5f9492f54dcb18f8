// libFuzzer target: the CSV reader (whole and in chunks must agree), the import row validator
// (a row taken byte for byte must be one the validator accepts, with the same values) and the
// import reader over CSV and JSON Lines, all without a database.
// Run with `scripts/fuzz csv [SECONDS]`.
//
// The first byte picks the import kind and the chunk size; the rest is the file.
@testable internal import WaymarkStore
internal import FuzzSupport
internal import WaymarkCore

private struct Chunks: ChunkedInput {
    var bytes: ArraySlice<UInt8>
    let size: Int
    mutating func next() throws -> [UInt8]? {
        guard !bytes.isEmpty else { return nil }
        let chunk = bytes.prefix(size)
        bytes = bytes.dropFirst(chunk.count)
        return Array(chunk)
    }
}

private func records(_ bytes: ArraySlice<UInt8>, chunkSize: Int, maximumRecordBytes: Int) -> Result<[CSVRecord], CSVError> {
    var parser = CSVParser(maximumRecordBytes: maximumRecordBytes)
    var out: [CSVRecord] = []
    do {
        var rest = bytes
        while !rest.isEmpty {
            try parser.parse(rest.prefix(chunkSize)) { out.append($0) }
            rest = rest.dropFirst(chunkSize)
        }
        try parser.finish { out.append($0) }
        return .success(out)
    } catch let error as CSVError {
        return .failure(error)
    } catch {
        fatalError("unexpected error \(error)")
    }
}

@main
struct CSVFuzzer {
    static func main() { runLibFuzzer(fuzz) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = Array(fuzzInput(start, count))
    guard let selector = input.first else { return 0 }
    let kind = ImportKind.allCases[Int(selector) % ImportKind.allCases.count]
    let chunkSize = [1, 2, 3, 7, 64, 4096][Int(selector >> 3) % 6]
    let file = input.dropFirst()
    let limit = 256

    // 1. The parser: chunking must not change what it reads.
    let whole = records(file, chunkSize: max(file.count, 1), maximumRecordBytes: limit)
    let chunked = records(file, chunkSize: chunkSize, maximumRecordBytes: limit)
    switch (whole, chunked) {
    case (.success(let a), .success(let b)):
        guard a.map(\.fields) == b.map(\.fields), a.map(\.line) == b.map(\.line) else {
            fatalError("chunks of \(chunkSize) read other records than the whole input")
        }
    case (.failure(let a), .failure(let b)):
        guard a.line == b.line else { fatalError("chunks of \(chunkSize) fail on another line: \(a) / \(b)") }
    default:
        fatalError("chunks of \(chunkSize) change success: \(whole) / \(chunked)")
    }

    // 2. The validator: a record accepted as it stands is valid, with the same values.
    var validator: RowValidator?
    var parser = CSVParser(maximumRecordBytes: limit)
    func check(_ record: CSVRawRecord) {
        guard let current = validator else {
            validator = try? RowValidator(kind: kind, file: "fuzz.csv", header: record.fields)
            return
        }
        let result = current.validate(record.fields, line: record.line)
        guard current.acceptsAsItStands(record) else { return }
        guard case .success(let values) = result else {
            fatalError("accepted as it stands but refused by validate: \(record.fields) -> \(result)")
        }
        for index in current.columns.indices {
            let raw = current.withFieldBytes(index, of: record) { $0.map { String(decoding: $0, as: UTF8.self) } }
            guard raw == values[index] else {
                fatalError("column \(current.columns[index].name): as it stands \(String(describing: raw)), validated \(String(describing: values[index]))")
            }
        }
    }
    do {
        try file.withUnsafeBufferPointer { try parser.parseRaw($0, onRecord: check) }
        try parser.finishRaw(onRecord: check)
    } catch {}

    // 3. The import reader, CSV and JSON Lines, as `waymark import` runs it.
    for format in ImportFormat.allCases {
        var chunks = Chunks(bytes: file, size: chunkSize)
        let reader = ImportRowReader(kind: kind, format: format, name: "fuzz", rejectFile: nil, issueLimit: 20,
                                     progress: nil, maximumLineBytes: limit)
        _ = try? reader.read(&chunks) { row in
            for index in kind.columns.indices { row.withFieldBytes(index) { _ in } }
        }
    }
    return 0
}
