import Foundation
import Testing

@Suite("CLI: migrate and import")
struct ImportCLITests {
    @Test("migrate twice: applies, then says the schema is up to date")
    func migrateTwice() throws {
        let cli = try CLIHarness()
        let first = try cli.run(["migrate"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied 0001_initial.sql"))
        let second = try cli.run(["migrate"])
        #expect(second.status == 0)
        #expect(second.stdout.contains("schema is up to date"))
    }

    @Test("a file with one bad row exits 2, names the line, and imports nothing; --reject-file imports the rest")
    func badRow() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let products = try cli.write("products.csv", "product_id,name,category,list_price\np1,One,cat,1.00\np2,Two,cat,2\n")
        #expect(try cli.run(["import", "products", products]).status == 0)
        let file = try cli.write("bad.csv", "product_id,name,category,list_price\np3,Three,cat,3\np4,Four,cat,4.005\np5,Five,cat,5\n")
        let failed = try cli.run(["import", "products", file])
        #expect(failed.status == 2)
        #expect(failed.stdout.isEmpty)
        #expect(failed.stderr.contains("bad.csv:3: column list_price: '4.005'"))
        #expect(failed.stderr.contains("nothing was imported (fix the rows above, or pass --reject-file FILE to import the good rows)"))
        #expect(try cli.psql("SELECT count(*) FROM products").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        // A bad header has no good row to keep: the hint is to fix it, not --reject-file.
        let semicolons = try cli.write("semi.csv", "product_id;name;category;list_price\np3;Three;cat;3\n")
        let header = try cli.run(["import", "products", semicolons])
        #expect(header.status == 2)
        #expect(header.stderr.contains("semi.csv:1: the header is one column, 'product_id;name;category;list_price': the file is separated by ';'"), "\(header.stderr)")
        #expect(header.stderr.contains("nothing was imported (fix the header above: the first line names the columns)") && !header.stderr.contains("--reject-file"))

        let rejects = cli.directory.appendingPathComponent("rejects.csv").path
        let partial = try cli.run(["import", "products", file, "--reject-file", rejects])
        #expect(partial.status == 0, "\(partial.stderr)")
        #expect(partial.stdout.contains("3 rows read, 2 inserted, 0 updated, 0 unchanged, 1 rejected"))
        let again = try cli.run(["import", "products", file, "--reject-file", rejects, "--output-format", "json"])
        #expect(again.stdout.contains("\"rejected\":1") && again.stdout.contains("\"unchanged\":2"))
    }

    @Test("clients imported without consents: a warning that no offer needing consent will reach them; none once one consents")
    func clientsWithoutConsents() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let bare = try cli.write("clients.csv", "client_id,first_seen\nC1,2024-01-01T00:00:00Z\nC2,2024-02-01T00:00:00Z\n")
        let first = try cli.run(["import", "clients", bare])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("2 rows read, 2 inserted"))
        #expect(first.stderr.contains("warning"))
        #expect(first.stderr.contains("no client consents to any channel (a clients file without a consents column?)"), "\(first.stderr)")
        #expect(first.stderr.contains("contact_policy.consent_exempt_channels"))
        // Other kinds say nothing of consents.
        let products = try cli.write("products.csv", "product_id,name,category,list_price\np1,One,cat,1.00\n")
        #expect(try !cli.run(["import", "products", products]).stderr.contains("consent"))

        let consenting = try cli.write("more.csv", "client_id,first_seen,consents\nC3,2024-03-01T00:00:00Z,email;sms\n")
        let second = try cli.run(["import", "clients", consenting])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!second.stderr.contains("no client consents"), "\(second.stderr)")
    }

    @Test("reads standard input with --format, and refuses a file whose format it cannot tell")
    func stdinAndFormat() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let piped = try cli.run(["import", "products", "-", "--format", "jsonl"],
                                stdin: #"{"product_id": "p1", "name": "One", "category": "cat", "list_price": 1.5}"# + "\n")
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout.contains("1 inserted"))
        let unknown = try cli.run(["import", "products", "data.txt"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("--format"))
        // --format is the summary's format as for every command; --input-format the file's; the
        // earlier spellings (--format csv|jsonl, --output-format) still work (issue 15 item 8).
        let line = #"{"product_id": "p2", "name": "Two", "category": "cat", "list_price": 2}"# + "\n"
        let json = try cli.run(["import", "products", "-", "--input-format", "jsonl", "--format", "json"], stdin: line)
        #expect(json.status == 0, "\(json.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(summary["inserted"] as? Int == 1)
        let old = try cli.run(["import", "products", "-", "--format", "jsonl", "--output-format", "json"], stdin: line)
        #expect(old.status == 0 && old.stdout.hasPrefix("{"), "\(old.stderr)")
        let conflicting = try cli.run(["import", "products", "-", "--format", "json", "--output-format", "table"], stdin: line)
        #expect(conflicting.status == 64)
        let missing = try cli.run(["import", "products", "/nonexistent/file.csv"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file"))
    }

    @Test("an unreachable database exits 3 and says where it tried, without a password")
    func unreachable() throws {
        let cli = try CLIHarness()
        let result = try cli.run(["migrate", "--database-url", "postgresql://someone:s3cret@/waymark?host=/nonexistent-socket-dir"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("nonexistent-socket-dir"))
        #expect(!result.stderr.contains("s3cret"))
    }
}
