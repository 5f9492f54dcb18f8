import Foundation
import Testing
import Synchronization

/// Issue 14: no crash, no hang, no silent change on any input — the CLI's side.
@Suite("CLI: reliability (issue 14)", .serialized)
struct ReliabilityCLITests {
    /// Runs `waymark ARGS` with stdout sent to `/dev/full`; returns the status and stderr.
    func runToFullDevice(_ db: ScoreCLIDatabase, _ arguments: [String]) throws -> (status: Int32, stderr: String) {
        let (process, _, err) = db.process(arguments)
        guard let full = FileHandle(forWritingAtPath: "/dev/full") else { throw CLITestError(message: "no /dev/full") }
        process.standardOutput = full
        try process.run()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit, "killed by a signal: \(arguments)")
        return (process.terminationStatus, String(decoding: stderr, as: UTF8.self))
    }

    func isCharacterDevice(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFCHR
    }

    @Test("item 3: export, runs list and profile on a full device exit 1 with the path and the OS error")
    func fullDevice() throws {
        let db = try ScoreCLIDatabase()
        #expect(try db.run(["score", "--as-of", "2025-06-01"]).status == 0)
        for arguments in [["export"], ["runs", "list"], ["profile", "C001"], ["profile", "C001", "--format", "json"]] {
            let result = try runToFullDevice(db, arguments)
            #expect(result.status == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("cannot write to standard output: No space left on device"), "\(arguments): \(result.stderr)")
        }
        let out = try db.run(["export", "--out", "/dev/full"])
        #expect(out.status == 1, "\(out.stderr)")
        #expect(out.stderr.contains("cannot write to /dev/full: No space left on device"), "\(out.stderr)")
        #expect(isCharacterDevice("/dev/full"), "the device node was replaced")
    }

    @Test("item 3: export --out writes a regular file whole, follows a symlink, and writes a special file in place")
    func exportDestinations() throws {
        let db = try ScoreCLIDatabase()
        #expect(try db.run(["score", "--as-of", "2025-06-01"]).status == 0)
        let directory = db.harness.directory
        // A regular file: replaced once complete; no temporary left behind.
        let file = directory.appendingPathComponent("recs.csv").path
        try "old".write(toFile: file, atomically: true, encoding: .utf8)
        let regular = try db.run(["export", "--out", file])
        #expect(regular.status == 0, "\(regular.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("run_id,client_id"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.contains(".waymark-") })
        // A symlink: its target is written, the link stays a link.
        let target = directory.appendingPathComponent("target.csv").path
        let link = directory.appendingPathComponent("link.csv").path
        try "".write(toFile: target, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try db.run(["export", "--out", link]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
        #expect(try String(contentsOfFile: target, encoding: .utf8).hasPrefix("run_id,client_id"))
        // /dev/null: written in place, still a character device.
        #expect(try db.run(["export", "--out", "/dev/null"]).status == 0)
        #expect(isCharacterDevice("/dev/null"))
        // A FIFO read by a background reader: written in place, still a FIFO.
        let fifo = directory.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let received = Mutex(Data())
        let reader = Thread {
            if let handle = FileHandle(forReadingAtPath: fifo) {
                let data = handle.readDataToEndOfFile()
                received.withLock { $0 = data }
            }
        }
        reader.start()
        let piped = try db.run(["export", "--out", fifo])
        #expect(piped.status == 0, "\(piped.stderr)")
        for _ in 0..<200 where received.withLock({ $0.isEmpty }) { Thread.sleep(forTimeInterval: 0.01) }
        #expect(String(decoding: received.withLock { $0 }, as: UTF8.self).hasPrefix("run_id,client_id"))
        var status = stat()
        #expect(lstat(fifo, &status) == 0 && (status.st_mode & S_IFMT) == S_IFIFO)
    }

    @Test("item 4: import of /dev/zero stops quickly with exit 2 and the line; --max-line-bytes sets the limit")
    func boundedImport() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let start = Date()
        let zero = try cli.run(["import", "clients", "/dev/zero", "--format", "csv"])
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(zero.status == 2, "\(zero.stderr)")
        #expect(zero.stderr.contains("/dev/zero:1:"), "\(zero.stderr)")
        #expect(zero.stderr.contains("longer than 1048576 bytes"), "\(zero.stderr)")
        let long = try cli.write("long.jsonl", #"{"client_id": "C1", "first_seen": "2024-01-01T00:00:00Z", "segment": "\#(String(repeating: "x", count: 300))"}"# + "\n")
        let limited = try cli.run(["import", "clients", long, "--max-line-bytes", "200"])
        #expect(limited.status == 2, "\(limited.stderr)")
        #expect(limited.stderr.contains("long.jsonl:1:"), "\(limited.stderr)")
        #expect(try cli.run(["import", "clients", long]).status == 0)
        #expect(try cli.run(["import", "clients", long, "--max-line-bytes", "10"]).status == 64)
    }

    @Test("item 5: values the database refuses are refused by import with file:line and column, exit 2")
    func databaseRanges() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let cases: [(String, String)] = [
            ("client_id,first_seen\nC1,0000-06-01T00:00:00Z\n", "column first_seen"),
            ("client_id,first_seen\nC1,2024-06-01T00:00:00+16:00\n", "column first_seen"),
            ("client_id,first_seen,birth_date\nC1,2024-06-01T00:00:00Z,0000-02-01\n", "column birth_date"),
            ("client_id,first_seen,segment\nC1,2024-06-01T00:00:00Z,a\u{0}b\n", "NUL"),
        ]
        for (index, (text, expected)) in cases.enumerated() {
            let file = try cli.write("bad\(index).csv", text)
            let result = try cli.run(["import", "clients", file])
            #expect(result.status == 2, "\(text): \(result.stderr)")
            #expect(result.stderr.contains("bad\(index).csv:2"), "\(result.stderr)")
            #expect(result.stderr.contains(expected), "\(result.stderr)")
        }
        let nul = try cli.write("nul.jsonl", #"{"client_id": "C1", "first_seen": "2024-06-01T00:00:00Z", "segment": "a\u0000b"}"# + "\n")
        let jsonNUL = try cli.run(["import", "clients", nul])
        #expect(jsonNUL.status == 2, "\(jsonNUL.stderr)")
        #expect(jsonNUL.stderr.contains("nul.jsonl:1: column segment"), "\(jsonNUL.stderr)")
        #expect(try cli.write("c.csv", "client_id,first_seen\nC1,2024-06-01T00:00:00Z\n") != "")
        #expect(try cli.run(["import", "clients", cli.directory.appendingPathComponent("c.csv").path]).status == 0)
        #expect(try cli.run(["import", "products", try cli.write("p.csv", "product_id,name,category,list_price\np1,One,cat,1\n")]).status == 0)
        let big = try cli.write("big.csv", "purchase_id,client_id,product_id,purchased_at,amount\nX1,C1,p1,2024-06-02T00:00:00Z,1000000000000\n")
        let amount = try cli.run(["import", "purchases", big])
        #expect(amount.status == 2, "\(amount.stderr)")
        #expect(amount.stderr.contains("big.csv:2: column amount"), "\(amount.stderr)")
    }

    @Test("item 6: invalid UTF-8 in a CSV field is refused with the line and column, exit 2")
    func invalidUTF8() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let url = cli.directory.appendingPathComponent("latin1.csv")
        try Data("client_id,first_seen,segment\nC1,2024-06-01T00:00:00Z,ab".utf8 + [0xFF, 0xFE] + Data("cd\n".utf8)).write(to: url)
        let result = try cli.run(["import", "clients", url.path])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.contains("latin1.csv:2: column segment: invalid UTF-8 at byte 3"), "\(result.stderr)")
        #expect(try cli.psql("SELECT count(*) FROM clients").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("item 7: JSON Lines is read strictly, with line:column")
    func strictJSONLines() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let comma = try cli.write("comma.jsonl", #"{"product_id": "p1", "name": "One", "category": "cat", "list_price": 1,}"# + "\n")
        let trailing = try cli.run(["import", "products", comma])
        #expect(trailing.status == 2, "\(trailing.stderr)")
        #expect(trailing.stderr.contains("comma.jsonl:1:"), "\(trailing.stderr)")
        let exponent = try cli.write("exp.jsonl", #"{"product_id": "p1", "name": "One", "category": "cat", "list_price": 0.1e1}"# + "\n")
        let refused = try cli.run(["import", "products", exponent])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("column list_price"), "\(refused.stderr)")
    }

    @Test("item 7: 10,000 unknown header columns print a short summary")
    func unknownColumnsCapped() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        let header = "client_id,first_seen," + (0..<10_000).map { "x\($0)" }.joined(separator: ",")
        let file = try cli.write("wide.csv", header + "\n")
        let result = try cli.run(["import", "clients", file])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count < 40, "\(result.stderr.prefix(2000))")
        #expect(result.stderr.contains("9990 more unknown columns"), "\(result.stderr.prefix(2000))")
    }

    @Test("item 7: usage errors exit 64: year 0000, a malformed --database-url, an unknown --log-level")
    func usageErrors() throws {
        let cli = try CLIHarness()
        for arguments in [["score", "--as-of", "0000-01-01"], ["score", "--as-of", "2024-02-30"],
                          ["runs", "list", "--database-url", "postgresql://host/db?sslmode"], ["runs", "list", "--database-url", "mysql://x"],
                          ["runs", "list", "--log-level", "bogus"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
        }
        let url = try cli.run(["runs", "list", "--database-url", "mysql://x"])
        #expect(url.stderr.contains("--database-url"), "\(url.stderr)")
        #expect(try cli.run(["runs", "list", "--log-level", "WARNING"]).status != 64)
    }
}
