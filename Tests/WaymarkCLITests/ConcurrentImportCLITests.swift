import Foundation
import Synchronization
import Testing

/// Issue 14 item 7: imports running at once, from several processes, over the same rows in
/// opposite orders, never deadlock and never print SQL: each finishes, one after the other.
@Suite("CLI: concurrent imports (issue 14)", .serialized)
struct ConcurrentImportCLITests {
    static let clientCount = 20_000

    /// `clients` rows C00001… in order (or reversed), all with `segment`.
    static func clients(reversed: Bool, segment: String) -> String {
        let ids = reversed ? Array((1...clientCount).reversed()) : Array(1...clientCount)
        return "client_id,first_seen,segment\n"
            + ids.map { "C\(String(format: "%05d", $0)),2024-01-01T00:00:00Z,\(segment)\n" }.joined()
    }

    /// One purchase per client, P… in order (or reversed), all of `amount`.
    static func purchases(reversed: Bool, amount: String) -> String {
        let ids = reversed ? Array((1...clientCount).reversed()) : Array(1...clientCount)
        return "purchase_id,client_id,product_id,purchased_at,amount\n"
            + ids.map { "P\($0),C\(String(format: "%05d", $0)),p1,2024-02-01T00:00:00Z,\(amount)\n" }.joined()
    }

    /// Runs each sequence of `waymark` commands on a thread of its own, all started together;
    /// returns every command's result, by sequence.
    func runConcurrently(_ cli: CLIHarness, _ sequences: [[[String]]]) -> [[CLIHarness.Output]] {
        let binary = CLIHarness.binary
        let environment = cli.environment([:])
        let results = Mutex([[CLIHarness.Output]](repeating: [], count: sequences.count))
        let done = DispatchGroup()
        for (index, sequence) in sequences.enumerated() {
            done.enter()
            Thread {
                for arguments in sequence {
                    let output = (try? CLIHarness.execute(binary, arguments, stdin: nil, environment: environment))
                        ?? CLIHarness.Output(status: -1, stdout: "", stderr: "could not start \(arguments)")
                    results.withLock { $0[index].append(output) }
                }
                done.leave()
            }.start()
        }
        let finished = done.wait(timeout: .now() + 300) == .success
        #expect(finished, "the imports did not finish within 300 s (a deadlock or a lock wait that never ends)")
        return results.withLock { $0 }
    }

    /// SQL keywords that must never reach a user's message.
    static let sqlFragments = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "COPY ", " WHERE ", " FROM ", "LOCK TABLE", "ON CONFLICT", "Statement:"]

    @Test("imports of clients and purchases, from four processes in opposite orders, all finish; the last of each kind wins whole")
    func oppositeOrders() throws {
        let cli = try CLIHarness()
        #expect(try cli.run(["migrate"]).status == 0)
        #expect(try cli.run(["import", "products", try cli.write("p.csv", "product_id,name,category,list_price\np1,One,cat,1\n")]).status == 0)
        let clientsA = try cli.write("clients-a.csv", Self.clients(reversed: false, segment: "a"))
        let clientsB = try cli.write("clients-b.csv", Self.clients(reversed: true, segment: "b"))
        let purchasesA = try cli.write("purchases-a.csv", Self.purchases(reversed: false, amount: "10.00"))
        let purchasesB = try cli.write("purchases-b.csv", Self.purchases(reversed: true, amount: "20.00"))

        // Round 1 starts from empty tables (the bulk path's first load, twice at once); round 2
        // upserts over stored rows (the staged path).
        for round in 1...2 {
            let sequences = [
                [["import", "clients", clientsA], ["import", "purchases", purchasesA]],
                [["import", "purchases", purchasesB], ["import", "clients", clientsB]],
                [["import", "clients", clientsB], ["import", "purchases", purchasesB]],
                [["import", "purchases", purchasesA], ["import", "clients", clientsA]],
            ]
            let results = runConcurrently(cli, sequences)
            for (index, outputs) in results.enumerated() {
                #expect(outputs.count == sequences[index].count, "round \(round), process \(index): not every import ran")
                for (step, output) in outputs.enumerated() {
                    // A purchase import that ran before any client was stored refuses its rows
                    // (unknown client, exit 2, nothing stored): a clean failure, not a deadlock.
                    let cleanRefusal = output.status == 2 && output.stderr.contains("unknown client")
                    #expect(output.status == 0 || cleanRefusal,
                            "round \(round), process \(index), \(sequences[index][step]): exit \(output.status)\n\(output.stderr)")
                    for fragment in Self.sqlFragments {
                        #expect(!output.stderr.contains(fragment), "SQL in a message: \(output.stderr)")
                    }
                }
            }
            // Each import is whole: every client has the segment of one file, every purchase the
            // amount of one file.
            let segments = try cli.psql("SELECT count(*), count(DISTINCT segment) FROM clients").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(segments == "\(Self.clientCount)|1", "round \(round): \(segments)")
            let amounts = try cli.psql("SELECT count(DISTINCT amount) FROM purchases").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(amounts == "1", "round \(round): \(amounts)")
        }
        #expect(try cli.psql("SELECT count(*) FROM purchases").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(Self.clientCount)")
    }
}
