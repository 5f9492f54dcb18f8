internal import CLibPQ
import Foundation

extension Connection {
    static func connectFailure(_ connection: OpaquePointer, configuration: ConnectionConfiguration) -> PostgresError {
        var reason = clean(String(cString: PQerrorMessage(connection)))
        if let password = PQpass(connection).map({ String(cString: $0) }), !password.isEmpty {
            reason = reason.replacingOccurrences(of: password, with: "****")
        }
        let target = describeTarget(host: PQhost(connection), port: PQport(connection), database: PQdb(connection), user: PQuser(connection))
        return PostgresError(
            kind: .connectionFailed,
            code: .sqlclientUnableToEstablishSqlconnection,
            message: "could not connect to PostgreSQL at \(target): \(reason.nonEmpty ?? "unknown reason")",
            hint: "Check that the server is running and that the host or socket, port, database and user are right (\(configuration.redactedDescription))."
        )
    }

    static func describeTarget(
        host: UnsafeMutablePointer<CChar>?, port: UnsafeMutablePointer<CChar>?,
        database: UnsafeMutablePointer<CChar>?, user: UnsafeMutablePointer<CChar>?
    ) -> String {
        let host = host.map { String(cString: $0) } ?? ""
        let port = port.map { String(cString: $0) } ?? ""
        let database = database.map { String(cString: $0) } ?? ""
        let user = user.map { String(cString: $0) } ?? ""
        var text = host.hasPrefix("/") || host.hasPrefix("@") || host.isEmpty
            ? "socket \(host.isEmpty ? "(default directory)" : host)" : "host \(host)"
        if !port.isEmpty { text += " port \(port)" }
        text += ", database \"\(database)\""
        if !user.isEmpty { text += " as user \"\(user)\"" }
        return text
    }

    /// libpq messages end with a newline and may span lines with tab indents; make them one line.
    static func clean(_ message: String) -> String {
        message.split(whereSeparator: { $0 == "\n" || $0 == "\t" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }
}
