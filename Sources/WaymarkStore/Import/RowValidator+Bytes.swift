import Postgres
import WaymarkCore

extension RowValidator {
    /// Whether every field of `record` is valid exactly as it stands, so the row can go to COPY
    /// byte for byte with ``appendFields(of:to:)``.
    ///
    /// False when a field is invalid, empty but required, or valid only after rewriting (a
    /// decimal comma, an upper-case channel, non-ASCII text…): ``validate(_:line:)`` then
    /// normalises the row or reports exactly what is wrong. Never true for a row that
    /// ``validate(_:line:)`` would refuse.
    func acceptsAsItStands(_ record: CSVRawRecord) -> Bool {
        guard record.count == width else { return false }
        for (column, position) in zip(columns, positions) {
            guard let position else { continue }
            let bytes = record.field(position)
            if bytes.isEmpty {
                if column.required { return false }
                continue
            }
            let valid = switch column.type {
            case .id: FieldFormats.isValidID(bytes: bytes)
            case .text: bytes.allSatisfy { $0 != 0 && $0 < 0x80 }  // NUL, non-ASCII: the String path checks
            case .timestamp: !bytes.contains(0x2C) && FieldFormats.parseTimestamp(bytes: bytes) != nil
            case .amount: bytes[0] != 0x2B && (FieldFormats.parseAmount(bytes: bytes, scale: 2) ?? -1) >= 0
            case .positiveInteger: Self.isPlainPositiveInt32(bytes)
            case .channel: Self.channelNames.contains { $0.elementsEqual(bytes) }
            case .date, .bool, .channelList, .jsonObject, .oneOf: false
            }
            if !valid { return false }
        }
        return true
    }

    /// Appends the fields of a row that ``acceptsAsItStands(_:)`` accepted, in the kind's column
    /// order and binary formats, to the current binary COPY row.
    func appendBinaryFields(of record: CSVRawRecord, to writer: inout BinaryCopyInWriter) throws {
        for (column, position) in zip(columns, positions) {
            if let position {
                let bytes = record.field(position)
                if !bytes.isEmpty {
                    try ImportColumn.appendBinary(bytes: bytes, as: column, to: &writer)
                    continue
                }
            }
            try ImportColumn.appendBinary(normalised: column.defaultValue, as: column, to: &writer)
        }
    }

    /// Calls `body` with the bytes of column `index` of an accepted row (nil: NULL).
    func withFieldBytes<T>(_ index: Int, of record: CSVRawRecord, _ body: (UnsafeBufferPointer<UInt8>?) throws -> T) rethrows -> T {
        if let position = positions[index] {
            let bytes = record.field(position)
            if !bytes.isEmpty { return try body(bytes) }
        }
        guard var value = columns[index].defaultValue else { return try body(nil) }
        return try value.withUTF8 { try body($0) }
    }

    private static let channelNames: [[UInt8]] = Channel.allCases.map { Array($0.rawValue.utf8) }

    /// Digits only, no leading zero, at most `Int32.max`.
    private static func isPlainPositiveInt32(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        // A sign or a leading zero takes the String path, which normalises it.
        (0x31...0x39).contains(bytes[0]) && parseInteger(bytes, as: Int32.self) != nil
    }
}

extension ImportKind {
    /// Whether every column has a type whose valid values COPY takes as they are written (ids,
    /// text, timestamps, amounts, whole numbers, channels): rows of such kinds can be checked and
    /// sent byte for byte, and in COPY's binary format.
    var hasOnlyPlainColumns: Bool {
        columns.allSatisfy { column in
            switch column.type {
            case .id, .text, .timestamp, .amount, .positiveInteger, .channel: true
            case .date, .bool, .channelList, .jsonObject, .oneOf: false
            }
        }
    }
}

extension ImportColumn {
    /// Appends a valid value, as the file has it, in the binary format of the column's type.
    /// - Throws: ``StoreError`` `.failure` when the value does not parse (a bug: it was validated).
    static func appendBinary(bytes: UnsafeBufferPointer<UInt8>, as column: ImportColumn, to writer: inout BinaryCopyInWriter) throws {
        switch column.type {
        case .id, .text, .channel:
            try writer.appendText(bytes: bytes)
        case .timestamp:
            guard let timestamp = FieldFormats.parseTimestamp(bytes: bytes) else { throw Self.notEncodable(column.name) }
            writer.appendTimestamp(microsecondsSinceUnixEpoch: timestamp.microseconds)
        case .amount:
            guard let units = FieldFormats.parseAmount(bytes: bytes, scale: 2) else { throw Self.notEncodable(column.name) }
            writer.appendNumeric(units: units, scale: 2)
        case .positiveInteger:
            guard let value = parseInteger(bytes, as: Int32.self) else { throw Self.notEncodable(column.name) }
            writer.appendInt32(value)
        case .date, .bool, .channelList, .jsonObject, .oneOf:
            throw Self.notEncodable(column.name)
        }
    }

    /// Appends a normalised value (``RowValidator/validate(_:line:)``'s output; nil for NULL) in
    /// the binary format of the column's type.
    static func appendBinary(normalised value: String?, as column: ImportColumn, to writer: inout BinaryCopyInWriter) throws {
        guard var value else {
            writer.appendNull()
            return
        }
        try value.withUTF8 { bytes in try appendBinary(bytes: bytes, as: column, to: &writer) }
    }

    /// A validated value that would not encode: a bug in the importer, reported rather than stored wrong.
    static func notEncodable(_ column: String) -> StoreError {
        StoreError(.failure, "internal error: a validated value of column \(column) has no binary encoding")
    }
}
