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
}
