package import Foundation
package import Postgres

/// Decides which database Waymark talks to.
///
/// In order: `--database-url`, `WAYMARK_DATABASE_URL`, libpq's own environment (`PGHOST`,
/// `PGDATABASE`, `PGSERVICE`, …), then the embedded default database of a checkout: the URL that
/// `scripts/dev-db start` writes to `.dev-db/url`, looked for from the current directory upwards and
/// from the executable's directory upwards. When nothing is found, libpq's defaults apply.
package struct DatabaseLocator: Sendable {
    package var explicitURL: String?
    package var environment: [String: String]
    package var searchDirectories: [URL]

    package init(
        explicitURL: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        searchDirectories: [URL] = DatabaseLocator.defaultSearchDirectories()
    ) {
        self.explicitURL = explicitURL
        self.environment = environment
        self.searchDirectories = searchDirectories
    }

    /// Where the configuration came from, for messages.
    package enum Origin: Sendable, Equatable {
        case commandLine, waymarkEnvironment, libpqEnvironment, devDatabase(path: String), libpqDefaults
    }

    /// The configuration to connect with, and where it came from.
    package func locate() -> (ConnectionConfiguration, Origin) {
        if let url = explicitURL, !url.isEmpty { return (.url(url), .commandLine) }
        if let url = environment["WAYMARK_DATABASE_URL"], !url.isEmpty { return (.url(url), .waymarkEnvironment) }
        let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE", "PGPORT", "PGUSER"]
        if libpqVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) {
            return (.environment, .libpqEnvironment)
        }
        for directory in searchDirectories {
            var current = directory.standardizedFileURL
            while true {
                let candidate = current.appendingPathComponent(".dev-db/url")
                if let text = try? String(contentsOf: candidate, encoding: .utf8) {
                    let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !url.isEmpty { return (.url(url), .devDatabase(path: candidate.path)) }
                }
                let parent = current.deletingLastPathComponent()
                if parent.path == current.path { break }
                current = parent
            }
        }
        return (.environment, .libpqDefaults)
    }

    /// The current directory and the running executable's directory.
    package static func defaultSearchDirectories() -> [URL] {
        var directories = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent())
        return directories
    }
}

extension DatabaseLocator.Origin: CustomStringConvertible {
    package var description: String {
        switch self {
        case .commandLine: "--database-url"
        case .waymarkEnvironment: "WAYMARK_DATABASE_URL"
        case .libpqEnvironment: "the PG* environment variables"
        case .devDatabase(let path): "the embedded database (\(path))"
        case .libpqDefaults: "libpq's defaults (no database configured: run scripts/dev-db start, or set WAYMARK_DATABASE_URL)"
        }
    }
}
