internal import CLibPQ
import Foundation

extension Connection {
    static func encode(_ parameters: [PostgresValue?], statement: String) throws(PostgresError) -> EncodedParameters {
        var encoded = EncodedParameters()
        encoded.types.reserveCapacity(parameters.count)
        encoded.offsets.reserveCapacity(parameters.count)
        for (index, parameter) in parameters.enumerated() {
            guard let parameter else {
                encoded.types.append(0)
                encoded.offsets.append(nil)
                continue
            }
            encoded.types.append(parameter.type.rawValue)
            encoded.offsets.append(encoded.storage.count)
            let start = encoded.storage.count
            encoded.storage.append(contentsOf: parameter.text.utf8)
            if encoded.storage[start...].contains(0) {
                var error = PostgresError(
                    kind: .clientMisuse,
                    message: "parameter $\(index + 1) contains a NUL character (U+0000), which PostgreSQL text cannot store",
                    hint: "Remove NUL characters from the input, or store binary data as bytea.",
                    statement: statement
                )
                error.parameters = parameters.map { $0?.text }
                throw error
            }
            encoded.storage.append(0)
        }
        return encoded
    }

    static func withParameters<R>(
        _ encoded: EncodedParameters,
        _ body: (Int32, UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        encoded.storage.withUnsafeBufferPointer { storage in
            let base = UnsafeRawPointer(storage.baseAddress)
            let pointers: [UnsafePointer<CChar>?] = encoded.offsets.map { offset in
                offset.map { (base! + $0).assumingMemoryBound(to: CChar.self) }
            }
            return encoded.types.withUnsafeBufferPointer { types in
                pointers.withUnsafeBufferPointer { values in
                    body(Int32(encoded.types.count), types.baseAddress, values.baseAddress)
                }
            }
        }
    }

    static func withCStringArrays<R>(
        _ pairs: [(String, String)],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> R
    ) -> R {
        var storage: [UInt8] = []
        var keyOffsets: [Int] = []
        var valueOffsets: [Int] = []
        for (key, value) in pairs {
            keyOffsets.append(storage.count)
            storage.append(contentsOf: key.utf8)
            storage.append(0)
            valueOffsets.append(storage.count)
            storage.append(contentsOf: value.utf8)
            storage.append(0)
        }
        return storage.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let keys = keyOffsets.map { Optional((base + $0).assumingMemoryBound(to: CChar.self)) } + [nil]
            let values = valueOffsets.map { Optional((base + $0).assumingMemoryBound(to: CChar.self)) } + [nil]
            return keys.withUnsafeBufferPointer { k in values.withUnsafeBufferPointer { v in body(k.baseAddress!, v.baseAddress!) } }
        }
    }
}

struct EncodedParameters {
    var storage: [UInt8] = []
    var offsets: [Int?] = []
    var types: [UInt32] = []
}
