import Foundation
import Postgres
import WaymarkCore

/// Streams every client's snapshot as of a cutoff, with the time bounds pushed into SQL.
///
/// The nightly `SnapshotStream` reads whole timelines; a backtest must not even read what
/// happened after its cutoff, except the purchases of the horizon it compares against. This
/// stream reads the same tables with the same SELECTs and decoding (`SnapshotTable`), the same
/// bounded queues and the same k-way merge, adding a time bound per table:
/// clients first seen by `cutoff`; life events, interactions, responses (by presentation) and
/// ledger entries up to `cutoff`; stage history recorded up to `cutoff`; purchases up to
/// `purchasesUntil` (the cutoff for fitting, the end of the horizon for the comparison). A
/// reaction recorded after the cutoff to an earlier presentation is read, and the engine treats
/// it as not yet known at the cutoff (`Response.outcome(asOf:)`).
struct BacktestSnapshotStream: Sendable {
    var configuration: ConnectionConfiguration
    var cutoff: Timestamp
    var purchasesUntil: Timestamp
    var chunkSize = 2048
    var queueDepth = 4

    /// The condition bounding `table` in time (only integers are spliced into the text).
    func condition(_ table: SnapshotTable) -> String {
        let cut = "to_timestamp(\(cutoff.seconds))"
        return switch table {
        case .clients: "first_seen <= \(cut)"
        case .purchases: "purchased_at <= to_timestamp(\(purchasesUntil.seconds))"
        case .lifeEvents, .interactions, .ledger: "occurred_at <= \(cut)"
        case .responses: "presented_at <= \(cut)"
        case .stage: "TRUE"
        }
    }

    /// Reads every snapshot and hands each, in `client_id` order, to `body` (on the calling thread).
    ///
    /// - Throws: the first reader error (``PostgresError``), or `body`'s error (which stops the readers).
    func forEach(_ body: (ClientSnapshot) throws -> Void) throws {
        let failure = FirstError()
        let tables = SnapshotTable.allCases
        let queues = tables.map { _ in BoundedQueue<[(String, SnapshotRow)]>(capacity: queueDepth) }
        var threads: [WorkerThread] = []
        let configuration = configuration
        let chunkSize = chunkSize
        for (table, queue) in zip(tables, queues) {
            let sql = "COPY (\(table.select(where: condition(table), stageBefore: cutoff.seconds, ordered: true))) TO STDOUT"
            threads.append(WorkerThread(name: "waymark-backtest-\(table)") {
                do {
                    var named = configuration
                    named.applicationName = (configuration.applicationName ?? "waymark") + " backtest reader"
                    let connection = try Connection(configuration: named)
                    var chunk: [(String, SnapshotRow)] = []
                    chunk.reserveCapacity(chunkSize)
                    var stopped = false
                    try connection.copyOut(sql) { fields in
                        guard let decoded = table.decode(fields) else { return }
                        chunk.append((decoded.clientID, decoded.row))
                        if chunk.count >= chunkSize {
                            if !queue.push(chunk) { stopped = true; throw CancellationError() }
                            chunk.removeAll(keepingCapacity: true)
                        }
                    }
                    if !stopped, !chunk.isEmpty { queue.push(chunk) }
                    queue.close()
                } catch is CancellationError {
                    queue.close()
                } catch {
                    failure.record(error)
                    for q in queues { q.cancel() }
                }
            })
        }
        defer {
            for q in queues { q.cancel() }
            for thread in threads { thread.join() }
        }
        var cursors = queues.map { SnapshotStream.Cursor(queue: $0) }
        do {
            while let (clientID, row) = cursors[0].next() {
                guard case .profile(let profile) = row else { continue }
                var snapshot = ClientSnapshot(profile: profile)
                for index in 1..<cursors.count {
                    while let headID = cursors[index].peekID() {
                        if headID < clientID {
                            _ = cursors[index].next()   // a row of a client first seen after the cutoff
                        } else if headID == clientID {
                            snapshot.add(cursors[index].next()!.1)
                        } else {
                            break
                        }
                    }
                }
                try body(snapshot)
            }
        } catch {
            failure.record(error)
        }
        if let error = failure.error { throw error }
    }
}
