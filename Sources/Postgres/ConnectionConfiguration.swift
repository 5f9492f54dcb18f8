internal import CLibPQ
import Foundation

/// Where and how to connect: libpq's environment, a `postgresql://` URL, or a conninfo string.
///
/// The configuration is only data; ``Connection/init(configuration:logger:)`` hands it to
/// `PQconnectdbParams` as key/value arrays (the URL or conninfo expanded by libpq itself), so no
/// connection text is ever assembled by interpolation.
///
/// ```swift
/// var configuration = ConnectionConfiguration.url("postgresql://waymark@db.internal/waymark")
/// configuration.applicationName = "waymark score"
/// let connection = try Connection(configuration: configuration)
/// ```
///
/// Whatever libpq would use anyway still applies for what the source leaves unsaid: `PGHOST`,
/// `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `~/.pgpass`, `PGSSLMODE`, `PGSERVICE`, …
package struct ConnectionConfiguration: Sendable, CustomStringConvertible {
    /// Where the connection parameters come from.
    package enum Source: Sendable, Hashable {
        /// libpq's own defaults: the `PG*` environment variables, `~/.pgpass`, the default socket.
        case environment
        /// A `postgresql://` or `postgres://` URL.
        case url(String)
        /// A conninfo string such as `"host=/run/postgresql dbname=waymark"`.
        case conninfo(String)
    }

    /// Where the connection parameters come from.
    package var source: Source
    /// `application_name`, shown in `pg_stat_activity`; overrides one given in the URL or
    /// conninfo. When `nil`, the URL's, then `PGAPPNAME`, then ``fallbackApplicationName`` apply.
    package var applicationName: String?
    /// The application name used when nothing else names one.
    package var fallbackApplicationName: String = "swift-postgres"
    /// Seconds to wait for the connection to be established (`connect_timeout`); `nil` keeps
    /// libpq's default (forever, or `PGCONNECT_TIMEOUT`).
    package var connectTimeout: Int?
    /// Further libpq keywords (e.g. `["sslmode": "require"]`), applied after the source, so they win.
    package var extraParameters: [String: String] = [:]

    package init(source: Source) { self.source = source }

    /// Connect as libpq would with no arguments: `PG*` variables, `~/.pgpass`, defaults.
    package static var environment: ConnectionConfiguration { .init(source: .environment) }
    /// Connect with a `postgresql://` (or `postgres://`) URL.
    package static func url(_ url: String) -> ConnectionConfiguration { .init(source: .url(url)) }
    /// Connect with a conninfo string (`"host=... dbname=..."`).
    package static func conninfo(_ conninfo: String) -> ConnectionConfiguration {
        .init(source: .conninfo(conninfo))
    }

    /// A description safe for logs and error messages: the password, if any, is shown as `****`.
    package var redactedDescription: String {
        var text: String
        switch source {
        case .environment:
            let environment = ProcessInfo.processInfo.environment
            let shown = ["PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"]
                .compactMap { name in environment[name].map { "\(name)=\($0)" } }
            text = "libpq environment" + (shown.isEmpty ? "" : " (" + shown.joined(separator: " ") + ")")
            if environment["PGPASSWORD"] != nil { text += " PGPASSWORD=****" }
        case .url(let string), .conninfo(let string):
            text = Self.redacted(string)
        }
        if let applicationName { text += " application_name=\(applicationName)" }
        if let connectTimeout { text += " connect_timeout=\(connectTimeout)" }
        for (key, value) in extraParameters.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=" + (key == "password" ? "****" : value)
        }
        return text
    }

    package var description: String { redactedDescription }

    /// The key/value pairs for `PQconnectdbParams`, in order, and whether to expand `dbname`.
    var keywordsAndValues: [(String, String)] {
        var pairs: [(String, String)] = [("fallback_application_name", fallbackApplicationName)]
        switch source {
        case .environment: break
        case .url(let string), .conninfo(let string):
            if !string.isEmpty { pairs.append(("dbname", string)) }
        }
        if let applicationName { pairs.append(("application_name", applicationName)) }
        if let connectTimeout { pairs.append(("connect_timeout", String(connectTimeout))) }
        for (key, value) in extraParameters.sorted(by: { $0.key < $1.key }) { pairs.append((key, value)) }
        // The decoders of this layer read UTF-8 text; never let PGCLIENTENCODING change that.
        pairs.append(("client_encoding", "UTF8"))
        return pairs
    }

    /// Checks the URL or conninfo syntax with libpq, without connecting.
    ///
    /// - Throws: ``PostgresError`` of kind `.connectionFailed` naming the problem. The text of
    ///   libpq's message is redacted (quoted fragments of the input are elided), because a
    ///   malformed string may quote the password.
    package func validate() throws(PostgresError) {
        switch source {
        case .environment: return
        case .url(let string), .conninfo(let string):
            if string.isEmpty { return }
            var errorMessage: UnsafeMutablePointer<CChar>?
            let options = PQconninfoParse(string, &errorMessage)
            defer {
                if let options { PQconninfoFree(options) }
                if let errorMessage { PQfreemem(errorMessage) }
            }
            if options == nil {
                let reason = errorMessage.map { Self.elideQuoted(String(cString: $0)) } ?? "out of memory"
                let what = if case .url = source { "URL" } else { "connection string" }
                throw PostgresError(
                    kind: .connectionFailed,
                    code: .sqlclientUnableToEstablishSqlconnection,
                    message: "invalid database \(what): \(reason.trimmingCharacters(in: .whitespacesAndNewlines))",
                    hint: "Use a URL such as postgresql://user@host:5432/dbname or a conninfo string such as \"host=/path/to/socket dbname=name\"."
                )
            }
        }
    }

    /// The conninfo or URL with its password replaced by `****` (parsed by libpq when possible).
    /// What is wrong with a `postgresql://` URL, or nil when libpq can read it. The answer never
    /// quotes the URL (it may hold a password).
    package static func problem(withURL url: String) -> String? {
        guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
            return "expected a URL starting with postgresql:// or postgres://"
        }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return "libpq cannot read it (expected postgresql://[user[:password]@][host][:port][/dbname][?param=value&…], with reserved characters percent-encoded)"
        }
        PQconninfoFree(options)
        return nil
    }

    static func redacted(_ string: String) -> String {
        if string.isEmpty { return "libpq environment" }
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(string, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return "<unparsable connection string>"
        }
        defer { PQconninfoFree(options) }
        var parts: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                let key = String(cString: keyword)
                parts.append(key == "password" ? "password=****" : "\(key)=\(String(cString: value))")
            }
            option += 1
        }
        return parts.joined(separator: " ")
    }

    /// Replaces every `"quoted"` fragment of a libpq message by `"…"`.
    static func elideQuoted(_ message: String) -> String {
        var result = ""
        var inside = false
        for character in message {
            if character == "\"" {
                result.append(character)
                if !inside { result.append("…") }
                inside.toggle()
            } else if !inside {
                result.append(character)
            }
        }
        return result
    }
}
