import Foundation
import Testing

/// `scripts/dev-db` on a private copy of the scripts, so the checkout's own cluster is untouched.
@Suite("scripts/dev-db")
struct DevDatabaseTests {
    func script(_ root: URL, _ arguments: [String]) throws -> CLIHarness.Output {
        try CLIHarness.execute("/bin/bash", [root.appendingPathComponent("scripts/dev-db").path] + arguments,
                               stdin: nil, environment: ProcessInfo.processInfo.environment)
    }

    @Test("start twice, url, psql, recovery after the server is killed with SIGKILL, stop, destroy")
    func lifecycle() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("devdb-\(UUID().uuidString.prefix(8))")
        let scripts = root.appendingPathComponent("scripts")
        try FileManager.default.createDirectory(at: scripts, withIntermediateDirectories: true)
        for name in ["dev-db", "lib.sh"] {
            try FileManager.default.copyItem(at: CLIHarness.packageRoot.appendingPathComponent("scripts/\(name)"),
                                            to: scripts.appendingPathComponent(name))
        }
        defer {
            _ = try? script(root, ["destroy"])
            try? FileManager.default.removeItem(at: root)
        }

        let first = try script(root, ["start"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try script(root, ["start"])
        #expect(second.status == 0)
        #expect(second.stderr.contains("already running"))
        let url = try script(root, ["url"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(url.hasPrefix("postgresql://waymark@/waymark?host="))
        #expect(try script(root, ["psql", "-Atc", "SELECT 40 + 2"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42")

        // A crash: the postmaster dies without cleaning up its pid and socket lock files.
        // The cluster lives in .dev-db/ or, when the script chose another place, where .dev-db/location says.
        let location = (try? String(contentsOf: root.appendingPathComponent(".dev-db/location"), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? root.appendingPathComponent(".dev-db").path
        let pidText = try String(contentsOfFile: location + "/data/postmaster.pid", encoding: .utf8)
        let pid = Int32(pidText.split(separator: "\n").first ?? "") ?? 0
        #expect(pid > 0)
        kill(pid, SIGKILL)
        Thread.sleep(forTimeInterval: 1)
        let restarted = try script(root, ["start"])
        #expect(restarted.status == 0, "\(restarted.stderr)")
        #expect(try script(root, ["status"]).status == 0)
        #expect(try script(root, ["psql", "-Atc", "SELECT 1"]).status == 0)

        #expect(try script(root, ["stop"]).status == 0)
        #expect(try script(root, ["status"]).status == 1)
    }

    /// A fresh machine as root: the checkout in a directory the `postgres` user cannot enter
    /// (like `/root`, mode 700), PostgreSQL not installed and no `postgres` user yet. Simulated
    /// with stubs on PATH: `pg_config` is missing, the server packages' folder is empty, `id
    /// postgres` fails, until the stub `apt-get install` "installs" the server (links the real
    /// one in) and the user "appears". The data must go where `postgres` can reach it.
    @Test("as root with the checkout where postgres cannot enter and the server not yet installed")
    func freshRootMachine() throws {
        guard getuid() == 0, (try? CLIHarness.execute("/usr/bin/id", ["postgres"], stdin: nil,
                                                      environment: ProcessInfo.processInfo.environment).status) == 0 else {
            return // needs root and an installed server to stand for the one the stub installs
        }
        let fm = FileManager.default
        let top = fm.temporaryDirectory.appendingPathComponent("devdb-root-\(UUID().uuidString.prefix(8))")
        let locked = top.appendingPathComponent("home")
        let root = locked.appendingPathComponent("checkout")
        let scripts = root.appendingPathComponent("scripts")
        let stubs = top.appendingPathComponent("stubs")
        let pglib = top.appendingPathComponent("pglib")
        for dir in [scripts, stubs, pglib] { try fm.createDirectory(at: dir, withIntermediateDirectories: true) }
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: top.path)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: pglib.path)
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: locked.path)
        for name in ["dev-db", "lib.sh"] {
            try fm.copyItem(at: CLIHarness.packageRoot.appendingPathComponent("scripts/\(name)"), to: scripts.appendingPathComponent(name))
        }
        let marker = top.appendingPathComponent("installed").path
        let stubTexts = [
            "pg_config": "#!/bin/sh\nexit 1\n",
            "id": "#!/bin/sh\nif [ \"$1\" = postgres ] && [ ! -f '\(marker)' ]; then echo \"id: 'postgres': no such user\" >&2; exit 1; fi\nexec /usr/bin/id \"$@\"\n",
            "apt-get": "#!/bin/sh\ncase \"$*\" in *install*) for d in /usr/lib/postgresql/*; do ln -s \"$d\" '\(pglib.path)'/; done; touch '\(marker)';; esac\nexit 0\n",
        ]
        for (name, text) in stubTexts {
            let path = stubs.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = stubs.path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["WAYMARK_DEV_DB_PGLIB"] = pglib.path
        func devDB(_ arguments: [String]) throws -> CLIHarness.Output {
            try CLIHarness.execute("/bin/bash", [scripts.appendingPathComponent("dev-db").path] + arguments, stdin: nil, environment: environment)
        }
        defer {
            _ = try? devDB(["destroy"])
            try? fm.removeItem(at: top)
        }

        let start = try devDB(["start"])
        #expect(start.status == 0, "\(start.stderr)")
        #expect(!start.stderr.contains("Permission denied"), "\(start.stderr)")
        #expect(start.stderr.contains("installing it from Debian's packages"))
        let location = try String(contentsOf: root.appendingPathComponent(".dev-db/location"), encoding: .utf8)
        #expect(location.hasPrefix("/tmp/waymark-dev-db-"), "\(location)")
        #expect(try devDB(["psql", "-Atc", "SELECT 40 + 2"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42")

        // The checkout deleted and cloned again at the same path while its cluster (outside it)
        // still runs: start finds it running and writes .dev-db/ again.
        try fm.removeItem(at: root.appendingPathComponent(".dev-db"))
        let again = try devDB(["start"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stderr.contains("already running"), "\(again.stderr)")
        #expect(try String(contentsOf: root.appendingPathComponent(".dev-db/location"), encoding: .utf8) == location)
        #expect(try devDB(["url"]).stdout.contains("host=/tmp/waymark-dev-db-"))
        #expect(try devDB(["psql", "-Atc", "SELECT 1"]).status == 0)
        #expect(try devDB(["stop"]).status == 0)
    }
}
