import Foundation
import WaymarkCore
#if canImport(Glibc)
import Glibc
#endif

/// A source of bytes read in chunks (a file, standard input, a string in tests).
package protocol ChunkedInput {
    /// The next chunk, or nil at the end.
    mutating func next() throws -> [UInt8]?

    /// Whether ``rewind()`` can start the input over (a file can, a pipe cannot).
    var isRewindable: Bool { get }

    /// Starts over from the first byte, so the next ``next()`` returns the first chunk again.
    /// - Throws: When the input is not rewindable or seeking fails.
    mutating func rewind() throws
}

extension ChunkedInput {
    package var isRewindable: Bool { false }

    package mutating func rewind() throws {
        throw StoreError(.invalidInput, "the input cannot be read twice")
    }
}

/// Reads a file descriptor in 1 MiB chunks.
package struct FileInput: ChunkedInput {
    private let handle: FileHandle
    private let path: String
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    /// Where the data starts, for a regular file (standard input redirected from a file included);
    /// nil for a pipe or terminal, which cannot be read twice.
    private var start: UInt64?

    /// Opens `path`, or standard input for `-`.
    /// - Throws: ``StoreError`` `.invalidInput` naming the path when it cannot be opened.
    package init(path: String, chunkSize: Int = 1 << 20) throws(StoreError) {
        self.chunkSize = chunkSize
        self.path = path
        if path == "-" {
            handle = .standardInput
            start = FileInput.startIfRegularFile(handle)
            return
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw StoreError(.invalidInput, "\(path): no such file")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError(.invalidInput, "\(path): cannot open the file for reading (check its permissions)")
        }
        self.handle = handle
        start = FileInput.startIfRegularFile(handle)
    }

    /// Reads into one reused buffer (no fresh megabyte, and its page faults, per chunk): the
    /// caller's copy of the last chunk is gone by the time it asks for the next.
    package mutating func next() throws -> [UInt8]? {
        if buffer.count != chunkSize { buffer = [UInt8](repeating: 0, count: chunkSize) }
        let descriptor = handle.fileDescriptor
        var filled = 0
        while filled < chunkSize {
            let count = buffer.withUnsafeMutableBytes { bytes in
                read(descriptor, bytes.baseAddress! + filled, chunkSize - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError(.failure, "reading \(path == "-" ? "standard input" : path) failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            filled += count
        }
        if filled == 0 { return nil }
        return filled == chunkSize ? buffer : Array(buffer[..<filled])
    }

    package var isRewindable: Bool { start != nil }

    package mutating func rewind() throws {
        guard let start else { throw StoreError(.invalidInput, "the input is a pipe: it cannot be read twice") }
        try handle.seek(toOffset: start)
    }

    private static func startIfRegularFile(_ handle: FileHandle) -> UInt64? {
        var status = stat()
        guard fstat(handle.fileDescriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return try? handle.offset()
    }
}

/// Bytes already in memory, handed out in chunks of a given size (for tests).
package struct BytesInput: ChunkedInput {
    private let bytes: [UInt8]
    private var remaining: ArraySlice<UInt8>
    private let chunkSize: Int
    package let isRewindable: Bool

    /// - Parameter rewindable: false to behave like a pipe, which cannot be read twice.
    package init(_ text: String, chunkSize: Int = 1 << 16, rewindable: Bool = true) {
        bytes = Array(text.utf8)
        remaining = bytes[...]
        self.chunkSize = chunkSize
        isRewindable = rewindable
    }

    package mutating func rewind() throws {
        guard isRewindable else { throw StoreError(.invalidInput, "the input cannot be read twice") }
        remaining = bytes[...]
    }

    package mutating func next() -> [UInt8]? {
        guard !remaining.isEmpty else { return nil }
        let chunk = remaining.prefix(chunkSize)
        remaining = remaining.dropFirst(chunkSize)
        return Array(chunk)
    }
}

/// Writes rejected rows as CSV: `line,reason,` then the file's own columns.
///
/// Every write is checked: a full disk stops the import with the path and the OS error.
package final class RejectWriter {
    private let descriptor: Int32
    private let path: String
    private var buffer = ""
    private var closed = false
    /// The columns of the file being imported, as its header names them.
    private(set) var header: [String] = []
    package private(set) var count = 0

    /// Creates (or truncates) the reject file.
    /// - Throws: ``StoreError`` `.invalidInput` when the file cannot be created.
    package init(path: String) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else {
            throw StoreError(.invalidInput, "\(path): cannot create the reject file: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.path = path
    }

    func begin(header: [String]) {
        self.header = header
        CSVWriter.appendRecord(["line", "reason"] + header, to: &buffer)
    }

    /// Records one rejected row; `fields` nil when only the line is known.
    /// - Throws: ``StoreError`` `.failure` when the reject file cannot be written.
    func reject(line: Int, reason: String, fields: [String]?) throws(StoreError) {
        count += 1
        CSVWriter.appendRecord([String(line), reason] + (fields ?? []), to: &buffer)
        if buffer.utf8.count >= 1 << 16 { try flush() }
    }

    /// Writes what is buffered.
    /// - Throws: ``StoreError`` `.failure` naming the file and the OS error.
    package func flush() throws(StoreError) {
        guard !buffer.isEmpty else { return }
        var pending = buffer
        buffer = ""
        let failure: Int32? = pending.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += written
            }
            return nil
        }
        if let failure { throw StoreError(.failure, "cannot write to \(path): \(String(cString: strerror(failure)))") }
    }

    /// Flushes and closes the file.
    /// - Throws: ``StoreError`` `.failure` when the last write or the close fails.
    package func close() throws(StoreError) {
        guard !closed else { return }
        try flush()
        closed = true
        if Glibc.close(descriptor) != 0 {
            throw StoreError(.failure, "cannot write to \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        if !closed { _ = Glibc.close(descriptor) }
    }
}

/// A line longer than ``LineSplitter/maximumLineBytes``.
struct LineTooLong: Error {
    var line: Int
    var limit: Int
}

/// Splits a byte stream into lines (LF or CRLF), handing each out with its 1-based number.
struct LineSplitter {
    private var pending: [UInt8] = []
    private var line = 0
    /// The longest line accepted, in bytes (without its line break).
    let maximumLineBytes: Int

    init(maximumLineBytes: Int = CSVParser.defaultMaximumRecordBytes) {
        self.maximumLineBytes = maximumLineBytes
    }

    /// - Throws: ``LineTooLong`` for a line over the limit; whatever `onLine` throws.
    mutating func feed(_ chunk: [UInt8], _ onLine: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        var start = 0
        for (index, byte) in chunk.enumerated() where byte == 0x0A {
            line += 1
            if pending.count + (index - start) > maximumLineBytes + 1 {
                throw LineTooLong(line: line, limit: maximumLineBytes)
            }
            if pending.isEmpty {
                try onLine(trimCR(chunk[start..<index]), line)
            } else {
                pending.append(contentsOf: chunk[start..<index])
                try onLine(trimCR(pending[...]), line)
                pending.removeAll(keepingCapacity: true)
            }
            start = index + 1
        }
        if pending.count + (chunk.count - start) > maximumLineBytes + 1 {
            throw LineTooLong(line: line + 1, limit: maximumLineBytes)
        }
        pending.append(contentsOf: chunk[start...])
    }

    mutating func finish(_ onLine: (ArraySlice<UInt8>, Int) throws -> Void) throws {
        guard !pending.isEmpty else { return }
        line += 1
        try onLine(trimCR(pending[...]), line)
        pending.removeAll()
    }

    private func trimCR(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        bytes.last == 0x0D ? bytes.dropLast() : bytes
    }
}

/// Turns one JSON Lines object into fields in the order of the kind's columns.
enum JSONLinesRow {
    /// A line's fields, or the problem with it.
    enum Parsed {
        case fields([String])
        case issue(ImportIssue)
    }

    /// nil for a blank line; the fields, or the problem with the line.
    ///
    /// The line is read by the protocol's strict reader (RFC 8259: no trailing comma, no `NaN`);
    /// numbers keep their literal text, so an amount written `0.1e1` is refused as the protocol
    /// refuses it, not rounded through a double.
    static func fields(_ bytes: ArraySlice<UInt8>, header: [String], file: String, line: Int) -> Parsed? {
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return nil }
        let object: JSONObject
        do {
            guard case .object(let parsed) = try JSONParser.parse(bytes) else {
                return .issue(ImportIssue(file: file, line: line, message: "expected a JSON object on the line"))
            }
            object = parsed
        } catch {
            return .issue(ImportIssue(file: file, line: line, character: error.offset + 1, message: "invalid JSON: \(error.message)"))
        }
        let known = Set(header)
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            let hint = nearest(unknown, in: header).map { "; did you mean '\($0)'?" } ?? ""
            return .issue(ImportIssue(file: file, line: line, column: unknown, message: "unknown field\(hint)"))
        }
        var fields: [String] = []
        fields.reserveCapacity(header.count)
        for name in header {
            fields.append(text(of: object[name]))
        }
        return .fields(fields)
    }

    private static func text(of value: JSONValue?) -> String {
        switch value {
        case nil, .null?: ""
        case .string(let string)?: string
        case .number(let literal)?: literal
        case .bool(let flag)?: flag ? "true" : "false"
        case .array(let elements)?: elements.map { text(of: $0) }.joined(separator: ";")
        case .object?, .verbatim?: value!.jsonText
        }
    }
}
