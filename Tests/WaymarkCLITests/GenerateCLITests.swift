import Foundation
import Testing

@Suite("CLI: generate")
struct GenerateCLITests {
    /// The six files and their headers: the columns of docs/formats.md, which `waymark import` reads.
    static let headers: [(file: String, header: String)] = [
        ("clients.csv", "client_id,first_seen,birth_date,segment,region,account_id,role,consents,do_not_contact,attributes"),
        ("products.csv", "product_id,name,category,list_price,repeatable"),
        ("purchases.csv", "purchase_id,client_id,product_id,purchased_at,amount,quantity,channel"),
        ("events.csv", "event_id,client_id,kind,occurred_at,details"),
        ("interactions.csv", "interaction_id,client_id,channel,kind,occurred_at,item_id"),
        ("responses.csv", "response_id,client_id,item_id,channel,presented_at,outcome,responded_at"),
    ]

    static let arguments = ["--clients", "200", "--seed", "3", "--end", "2026-01-01"]

    /// Runs `waymark generate` with the fixed arguments into `directory`.
    static func generate(_ cli: CLIHarness, into directory: String) throws -> CLIHarness.Output {
        try cli.run(["generate"] + arguments + ["--out", directory])
    }

    @Test("writes the six import files with their headers, 200 clients, and a summary on stdout")
    func writesSixFiles() throws {
        let cli = try CLIHarness()
        let out = cli.directory.appendingPathComponent("data").path
        let result = try Self.generate(cli, into: out)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("wrote 200 clients (advisor, seed 3, "))
        let files = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(files == Self.headers.map(\.file).sorted())
        for (file, header) in Self.headers {
            let text = try String(contentsOfFile: out + "/" + file, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first.map(String.init) == header, "\(file)")
            #expect(text.hasSuffix("\n"), "\(file) ends with a newline")
            // The summary names each file with its row count (the header not counted).
            let rows = lines.count - 2
            let line = result.stdout.split(separator: "\n").first { $0.hasPrefix(file) }
            #expect(line.map { $0.split(separator: " ", omittingEmptySubsequences: true)[1] == "\(rows)" } == true,
                    "\(file): \(rows) rows; stdout: \(result.stdout)")
        }
        let clients = try String(contentsOfFile: out + "/clients.csv", encoding: .utf8)
        #expect(clients.split(separator: "\n").count == 201)
        #expect(clients.contains("\nC0000001,") && clients.contains("\nC0000200,"))
        #expect(!clients.contains("\nC0000201,"))
        // Everything happens before --end (exclusive): no purchase is dated 2026.
        let purchases = try String(contentsOfFile: out + "/purchases.csv", encoding: .utf8)
        #expect(purchases.split(separator: "\n").count > 201)
        #expect(!purchases.contains(",2026-"))
    }

    @Test("the same arguments twice give byte-identical files")
    func deterministic() throws {
        let cli = try CLIHarness()
        let first = cli.directory.appendingPathComponent("first").path
        let second = cli.directory.appendingPathComponent("second").path
        #expect(try Self.generate(cli, into: first).status == 0)
        #expect(try Self.generate(cli, into: second).status == 0)
        for (file, _) in Self.headers {
            let a = try Data(contentsOf: URL(fileURLWithPath: first + "/" + file))
            let b = try Data(contentsOf: URL(fileURLWithPath: second + "/" + file))
            #expect(!a.isEmpty)
            #expect(a == b, "\(file) differs between two runs")
        }
        // A different seed gives a different population.
        let other = cli.directory.appendingPathComponent("other").path
        #expect(try cli.run(["generate", "--clients", "200", "--seed", "4", "--end", "2026-01-01", "--out", other]).status == 0)
        let a = try Data(contentsOf: URL(fileURLWithPath: first + "/purchases.csv"))
        let c = try Data(contentsOf: URL(fileURLWithPath: other + "/purchases.csv"))
        #expect(a != c)
    }

    @Test("a malformed --end is a usage error (exit 64) that says what a date looks like, and writes nothing")
    func badEnd() throws {
        let cli = try CLIHarness()
        let out = cli.directory.appendingPathComponent("bad").path
        for end in ["2026-13-01", "yesterday", "2026/01/01"] {
            let result = try cli.run(["generate", "--clients", "10", "--end", end, "--out", out])
            #expect(result.status == 64, "--end \(end)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.contains("--end must be a date YYYY-MM-DD"), "\(result.stderr)")
            #expect(result.stderr.contains("'\(end)'"))
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        let missing = try cli.run(["generate", "--end", "2026-01-01", "--out", out])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("--clients"))
    }

    @Test("the generated files import cleanly, in order; importing them again changes nothing")
    func importsCleanly() throws {
        let cli = try CLIHarness()
        let out = cli.directory.appendingPathComponent("data").path
        #expect(try Self.generate(cli, into: out).status == 0)
        let migrated = try cli.run(["migrate"])
        #expect(migrated.status == 0, "\(migrated.stderr)")

        var rowCounts: [String: Int] = [:]
        for (file, _) in Self.headers {
            let kind = String(file.dropLast(4))
            let path = out + "/" + file
            let rows = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count - 1
            rowCounts[kind] = rows
            let result = try cli.run(["import", kind, path])
            #expect(result.status == 0, "import \(kind): \(result.stderr)")
            #expect(result.stdout == "\(kind) from \(path): \(rows) rows read, \(rows) inserted, 0 updated, 0 unchanged\n",
                    "\(result.stdout)")
        }
        for (kind, table) in [("clients", "clients"), ("purchases", "purchases"), ("responses", "responses")] {
            let count = try cli.psql("SELECT count(*) FROM \(table)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(count == String(rowCounts[kind] ?? -1), "\(table)")
        }

        for (file, _) in Self.headers {
            let kind = String(file.dropLast(4))
            let path = out + "/" + file
            let rows = rowCounts[kind] ?? -1
            let again = try cli.run(["import", kind, path])
            #expect(again.status == 0, "re-import \(kind): \(again.stderr)")
            #expect(again.stdout == "\(kind) from \(path): \(rows) rows read, 0 inserted, 0 updated, \(rows) unchanged\n",
                    "\(again.stdout)")
        }
    }
}
