extension PostgresError {
    /// A SQLSTATE error code: five characters, the first two naming the class.
    ///
    /// Well-known codes have names (`.uniqueViolation` is `"23505"`); any other code the server
    /// sends is kept as it is, so callers can still compare against a literal:
    /// `error.code == "22P02"`. The full list is in PostgreSQL's documentation,
    /// "Appendix A. PostgreSQL Error Codes".
    package struct Code: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral,
        CustomStringConvertible
    {
        /// The five-character SQLSTATE, e.g. `"23505"`.
        package let rawValue: String

        package init(rawValue: String) { self.rawValue = rawValue }
        package init(_ rawValue: String) { self.rawValue = rawValue }
        package init(stringLiteral value: String) { self.rawValue = value }

        /// The class: the first two characters (`"23"` = integrity constraint violation).
        package var `class`: Substring { rawValue.prefix(2) }

        package var description: String { rawValue }

        // Class 08 — Connection Exception
        package static let connectionException: Code = "08000"
        package static let connectionDoesNotExist: Code = "08003"
        package static let connectionFailure: Code = "08006"
        package static let sqlclientUnableToEstablishSqlconnection: Code = "08001"
        package static let sqlserverRejectedEstablishmentOfSqlconnection: Code = "08004"
        package static let protocolViolation: Code = "08P01"
        // Class 0A — Feature Not Supported
        package static let featureNotSupported: Code = "0A000"
        // Class 22 — Data Exception
        package static let stringDataRightTruncation: Code = "22001"
        package static let numericValueOutOfRange: Code = "22003"
        package static let invalidDatetimeFormat: Code = "22007"
        package static let datetimeFieldOverflow: Code = "22008"
        package static let divisionByZero: Code = "22012"
        package static let invalidTextRepresentation: Code = "22P02"
        package static let badCopyFileFormat: Code = "22P04"
        package static let invalidParameterValue: Code = "22023"
        // Class 23 — Integrity Constraint Violation
        package static let integrityConstraintViolation: Code = "23000"
        package static let restrictViolation: Code = "23001"
        package static let notNullViolation: Code = "23502"
        package static let foreignKeyViolation: Code = "23503"
        package static let cardinalityViolation: Code = "21000"
        package static let uniqueViolation: Code = "23505"
        package static let checkViolation: Code = "23514"
        package static let exclusionViolation: Code = "23P01"
        // Class 25 — Invalid Transaction State
        package static let activeSqlTransaction: Code = "25001"
        package static let noActiveSqlTransaction: Code = "25P01"
        package static let inFailedSqlTransaction: Code = "25P02"
        package static let readOnlySqlTransaction: Code = "25006"
        // Class 26 — Invalid SQL Statement Name
        package static let invalidSqlStatementName: Code = "26000"
        // Class 28 — Invalid Authorization Specification
        package static let invalidAuthorizationSpecification: Code = "28000"
        package static let invalidPassword: Code = "28P01"
        // Class 3D / 3F — Invalid Catalog / Schema Name
        package static let invalidCatalogName: Code = "3D000"
        package static let invalidSchemaName: Code = "3F000"
        // Class 40 — Transaction Rollback
        package static let transactionRollback: Code = "40000"
        package static let serializationFailure: Code = "40001"
        package static let deadlockDetected: Code = "40P01"
        // Class 2B — Dependent Privilege Descriptors Still Exist
        package static let dependentObjectsStillExist: Code = "2BP01"
        // Class 42 — Syntax Error or Access Rule Violation
        package static let syntaxError: Code = "42601"
        package static let insufficientPrivilege: Code = "42501"
        package static let undefinedColumn: Code = "42703"
        package static let undefinedFunction: Code = "42883"
        package static let undefinedTable: Code = "42P01"
        package static let undefinedParameter: Code = "42P02"
        package static let undefinedObject: Code = "42704"
        package static let duplicateColumn: Code = "42701"
        package static let duplicateObject: Code = "42710"
        package static let duplicateTable: Code = "42P07"
        package static let duplicateSchema: Code = "42P06"
        package static let duplicatePreparedStatement: Code = "42P05"
        package static let datatypeMismatch: Code = "42804"
        package static let ambiguousColumn: Code = "42702"
        // Class 53 — Insufficient Resources
        package static let diskFull: Code = "53100"
        package static let outOfMemory: Code = "53200"
        package static let tooManyConnections: Code = "53300"
        // Class 55 — Object Not In Prerequisite State
        package static let objectInUse: Code = "55006"
        package static let lockNotAvailable: Code = "55P03"
        // Class 57 — Operator Intervention
        package static let queryCanceled: Code = "57014"
        package static let adminShutdown: Code = "57P01"
        package static let crashShutdown: Code = "57P02"
        package static let cannotConnectNow: Code = "57P03"
        // Class XX — Internal Error
        package static let internalError: Code = "XX000"

        /// The condition name PostgreSQL's documentation uses, for the codes named here.
        package var name: String? { Self.names[self] }

        private static let names: [Code: String] = [
            .connectionException: "connection_exception",
            .connectionDoesNotExist: "connection_does_not_exist",
            .connectionFailure: "connection_failure",
            .sqlclientUnableToEstablishSqlconnection: "sqlclient_unable_to_establish_sqlconnection",
            .sqlserverRejectedEstablishmentOfSqlconnection: "sqlserver_rejected_establishment_of_sqlconnection",
            .protocolViolation: "protocol_violation",
            .featureNotSupported: "feature_not_supported",
            .stringDataRightTruncation: "string_data_right_truncation",
            .numericValueOutOfRange: "numeric_value_out_of_range",
            .invalidDatetimeFormat: "invalid_datetime_format",
            .datetimeFieldOverflow: "datetime_field_overflow",
            .divisionByZero: "division_by_zero",
            .invalidTextRepresentation: "invalid_text_representation",
            .badCopyFileFormat: "bad_copy_file_format",
            .invalidParameterValue: "invalid_parameter_value",
            .integrityConstraintViolation: "integrity_constraint_violation",
            .restrictViolation: "restrict_violation",
            .notNullViolation: "not_null_violation",
            .foreignKeyViolation: "foreign_key_violation",
            .cardinalityViolation: "cardinality_violation",
            .uniqueViolation: "unique_violation",
            .checkViolation: "check_violation",
            .exclusionViolation: "exclusion_violation",
            .activeSqlTransaction: "active_sql_transaction",
            .noActiveSqlTransaction: "no_active_sql_transaction",
            .inFailedSqlTransaction: "in_failed_sql_transaction",
            .readOnlySqlTransaction: "read_only_sql_transaction",
            .invalidSqlStatementName: "invalid_sql_statement_name",
            .invalidAuthorizationSpecification: "invalid_authorization_specification",
            .invalidPassword: "invalid_password",
            .invalidCatalogName: "invalid_catalog_name",
            .invalidSchemaName: "invalid_schema_name",
            .transactionRollback: "transaction_rollback",
            .serializationFailure: "serialization_failure",
            .deadlockDetected: "deadlock_detected",
            .dependentObjectsStillExist: "dependent_objects_still_exist",
            .syntaxError: "syntax_error",
            .insufficientPrivilege: "insufficient_privilege",
            .undefinedColumn: "undefined_column",
            .undefinedFunction: "undefined_function",
            .undefinedTable: "undefined_table",
            .undefinedParameter: "undefined_parameter",
            .undefinedObject: "undefined_object",
            .duplicateColumn: "duplicate_column",
            .duplicateObject: "duplicate_object",
            .duplicateTable: "duplicate_table",
            .duplicateSchema: "duplicate_schema",
            .duplicatePreparedStatement: "duplicate_prepared_statement",
            .datatypeMismatch: "datatype_mismatch",
            .ambiguousColumn: "ambiguous_column",
            .diskFull: "disk_full",
            .outOfMemory: "out_of_memory",
            .tooManyConnections: "too_many_connections",
            .objectInUse: "object_in_use",
            .lockNotAvailable: "lock_not_available",
            .queryCanceled: "query_canceled",
            .adminShutdown: "admin_shutdown",
            .crashShutdown: "crash_shutdown",
            .cannotConnectNow: "cannot_connect_now",
            .internalError: "internal_error",
        ]
    }
}
