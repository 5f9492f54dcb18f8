import Foundation
package import Postgres
package import WaymarkCore

/// Streams every client's snapshot of a shard in `client_id` order, with bounded memory.
///
/// One `COPY (SELECT … ORDER BY client_id) TO STDOUT` per table, each on its own connection and
/// thread, decoded from the raw lines (``SnapshotLineDecoder``) into chunks that wait in small
/// bounded queues; a k-way merge on the clients
/// stream assembles snapshots (child rows whose client is not in `clients` are skipped and
/// counted). Memory is bounded by the queues: a few chunks per table, whatever the number of
/// clients. Ordering uses the `"C"` collation, so the merge compares ids byte-wise like Swift.
package struct SnapshotStream: Sendable {
    /// How to open the reader connections (one per table).
    package var configuration: ConnectionConfiguration
    package var shard: Shard
    /// Stage history counts up to this moment.
    package var asOf: Timestamp
    /// Rows per chunk handed from a reader to the merge.
    package var chunkSize = 2048
    /// Chunks waiting per table.
    package var queueDepth = 4
    /// The database's default collation orders text byte-wise
    /// (``SnapshotTable/defaultCollationIsByteOrder(_:)``): the tables are then read in their
    /// primary key's order, not sorted. Rows out of byte order fail the stream either way.
    package var defaultCollationIsByteOrder = false
    /// Time bounds pushed into every table's query (a backtest reads nothing after its cutoff but
    /// the horizon's purchases); nil reads whole timelines.
    package var timeBounds: SnapshotTimeBounds?

    package init(configuration: ConnectionConfiguration, shard: Shard, asOf: Timestamp) {
        self.configuration = configuration
        self.shard = shard
        self.asOf = asOf
    }

    /// Reads every snapshot and hands each, in `client_id` order, to `body` (on the calling thread).
    ///
    /// - Returns: the number of child rows skipped because their client does not exist.
    /// - Throws: the first reader error (``PostgresError``), or `body`'s error (which stops the readers).
    @discardableResult
    package func forEach(_ body: (ClientSnapshot) throws -> Void) throws -> Int {
        let failure = FirstError()
        let tables = SnapshotTable.allCases
        let queues = tables.map { _ in BoundedQueue<[(String, SnapshotRow)]>(capacity: queueDepth) }
        var threads: [WorkerThread] = []
        let configuration = configuration
        let chunkSize = chunkSize
        for (table, queue) in zip(tables, queues) {
            let select = table.select(where: shard.predicate(), bounds: timeBounds?.condition(table), stageBefore: asOf.seconds, ordered: true,
                                      defaultIsByteOrder: defaultCollationIsByteOrder)
            let sql = "COPY (\(select)) TO STDOUT"
            threads.append(WorkerThread(name: "waymark-read-\(table)") {
                do {
                    var named = configuration
                    named.applicationName = (configuration.applicationName ?? "waymark") + " reader"
                    let connection = try Connection(configuration: named)
                    var chunk: [(String, SnapshotRow)] = []
                    chunk.reserveCapacity(chunkSize)
                    var stopped = false
                    var decoder = SnapshotLineDecoder(table: table)
                    try connection.copyOutLines(sql) { line in
                        guard let decoded = decoder.decode(line) else { return }
                        if let (previous, next) = decoder.outOfOrder {
                            throw StoreError(.failure, """
                                \(table) rows are not in client_id byte order (\(next) came after \(previous)); \
                                the database's collation does not sort ids byte-wise: report this with the output of \
                                SELECT datlocprovider, datcollate FROM pg_database
                                """)
                        }
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
        var cursors = queues.map { Cursor(queue: $0) }
        var skipped = 0
        do {
            while let (clientID, row) = cursors[0].next() {
                guard case .profile(let profile) = row else { continue }
                var snapshot = ClientSnapshot(profile: profile)
                for index in 1..<cursors.count {
                    while let headID = cursors[index].peekID() {
                        if headID < clientID {
                            _ = cursors[index].next()
                            skipped += 1
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
        return skipped
    }

    /// Reads one table's queue chunk by chunk.
    struct Cursor {
        let queue: BoundedQueue<[(String, SnapshotRow)]>
        var chunk: [(String, SnapshotRow)] = []
        var position = 0
        var finished = false

        init(queue: BoundedQueue<[(String, SnapshotRow)]>) { self.queue = queue }

        mutating func fill() -> Bool {
            while position >= chunk.count {
                if finished { return false }
                guard let next = queue.pop() else { finished = true; chunk = []; position = 0; return false }
                chunk = next
                position = 0
            }
            return true
        }

        mutating func peekID() -> String? { fill() ? chunk[position].0 : nil }

        mutating func next() -> (String, SnapshotRow)? {
            guard fill() else { return nil }
            defer { position += 1 }
            return chunk[position]
        }
    }
}

/// How far in time a snapshot stream reads each table.
///
/// Clients first seen by `cutoff`; life events, interactions, responses (by presentation) and
/// ledger entries up to `cutoff`; purchases up to `purchasesUntil` (the cutoff for fitting, the end
/// of a backtest's horizon for the comparison). A reaction recorded after the cutoff to an earlier
/// presentation is read, and the engine treats it as not yet known then (`Response.outcome(asOf:)`).
package struct SnapshotTimeBounds: Sendable {
    package var cutoff: Timestamp
    package var purchasesUntil: Timestamp

    package init(cutoff: Timestamp, purchasesUntil: Timestamp) {
        self.cutoff = cutoff
        self.purchasesUntil = purchasesUntil
    }

    /// The condition bounding `table` in time (only integers are spliced into the text).
    func condition(_ table: SnapshotTable) -> String {
        let cut = "to_timestamp(\(cutoff.seconds))"
        return switch table {
        case .clients: "first_seen <= \(cut)"
        case .purchases: "purchased_at <= to_timestamp(\(purchasesUntil.seconds))"
        case .lifeEvents, .interactions, .ledger: "occurred_at <= \(cut)"
        case .responses: "presented_at <= \(cut)"
        case .stage: "TRUE"
        // The cadence states are the present's, not the history's: a backtest reads none.
        case .cadences: "FALSE"
        // The members as they are now, their purchases, presentations and stages up to the cutoff.
        case .account: "(at_ts IS NULL OR at_ts <= \(cut))"
        }
    }
}
