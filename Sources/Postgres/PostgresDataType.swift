/// A PostgreSQL type, identified by its OID (as in `pg_type.oid`).
///
/// Built-in types have fixed OIDs and names here; any other OID (an enum, a domain, an
/// extension's type) is kept as it is.
package struct PostgresDataType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }
    package init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// No type given: the server infers the parameter's type from its use.
    package static let unspecified = PostgresDataType(0)
    package static let bool = PostgresDataType(16)
    package static let bytea = PostgresDataType(17)
    package static let char = PostgresDataType(18)
    package static let name = PostgresDataType(19)
    package static let int8 = PostgresDataType(20)
    package static let int2 = PostgresDataType(21)
    package static let int4 = PostgresDataType(23)
    package static let text = PostgresDataType(25)
    package static let oid = PostgresDataType(26)
    package static let json = PostgresDataType(114)
    package static let float4 = PostgresDataType(700)
    package static let float8 = PostgresDataType(701)
    package static let unknown = PostgresDataType(705)
    package static let bpchar = PostgresDataType(1042)
    package static let varchar = PostgresDataType(1043)
    package static let date = PostgresDataType(1082)
    package static let time = PostgresDataType(1083)
    package static let timestamp = PostgresDataType(1114)
    package static let timestamptz = PostgresDataType(1184)
    package static let interval = PostgresDataType(1186)
    package static let numeric = PostgresDataType(1700)
    package static let uuid = PostgresDataType(2950)
    package static let jsonb = PostgresDataType(3802)
    package static let boolArray = PostgresDataType(1000)
    package static let int2Array = PostgresDataType(1005)
    package static let int4Array = PostgresDataType(1007)
    package static let textArray = PostgresDataType(1009)
    package static let varcharArray = PostgresDataType(1015)
    package static let int8Array = PostgresDataType(1016)
    package static let float8Array = PostgresDataType(1022)
    package static let numericArray = PostgresDataType(1231)

    private static let names: [UInt32: String] = [
        0: "unspecified", 16: "boolean", 17: "bytea", 18: "char", 19: "name", 20: "bigint",
        21: "smallint", 23: "integer", 25: "text", 26: "oid", 114: "json", 700: "real",
        701: "double precision", 705: "unknown", 1042: "character", 1043: "character varying",
        1082: "date", 1083: "time", 1114: "timestamp", 1184: "timestamptz", 1186: "interval",
        1700: "numeric", 2950: "uuid", 3802: "jsonb", 1000: "boolean[]", 1005: "smallint[]",
        1007: "integer[]", 1009: "text[]", 1015: "character varying[]", 1016: "bigint[]",
        1022: "double precision[]", 1231: "numeric[]",
    ]

    /// The SQL name for built-in types, `oid <n>` otherwise.
    package var description: String { Self.names[rawValue] ?? "oid \(rawValue)" }
}
