/// A fingerprint of what the engine saw of one client when it decided: one hash per part of the
/// snapshot (the profile, each timeline table, the recorded stage), counting only what was known
/// at the decision's `as_of`, the way the engine reads it.
///
/// Each part's hash is independent of the order the rows were read in (the sum of the rows'
/// hashes, with the count), so the nightly stream and a live read of the same data agree. The
/// combined ``hash`` is what every recommendation row and logged answer carries; ``parts`` lets
/// an audit say which input changed (`purchases: 12 rows, now 13`).
///
/// ```swift
/// let inputs = DecisionInputs(snapshot: snapshot, asOf: asOf)
/// inputs.hash          // "9f2c4e1a0b7d3c55"
/// inputs.changes(since: stored)   // ["purchases: 12 rows at the decision, 13 now"]
/// ```
package struct DecisionInputs: Sendable, Hashable {
    /// One part of the inputs: its name, row count and hash (16 hex digits).
    package struct Part: Sendable, Hashable {
        package var name: String
        package var rows: Int
        package var hash: String

        package init(name: String, rows: Int, hash: String) {
            self.name = name
            self.rows = rows
            self.hash = hash
        }
    }

    /// `profile`, `purchases`, `life_events`, `interactions`, `responses`, `loyalty_ledger`,
    /// `stage_history`, and `account` when the client shares an account with other clients.
    package var parts: [Part]

    package init(parts: [Part]) {
        self.parts = parts
    }

    /// The part names, in order (`account` only for a client with other account members, so the
    /// fingerprint of everyone else is what it was before accounts counted).
    package static let partNames = ["profile", "purchases", "life_events", "interactions", "responses", "loyalty_ledger", "stage_history", "account"]

    /// The fingerprint of `snapshot` as the engine sees it at `asOf`.
    package init(snapshot: ClientSnapshot, asOf: Timestamp) {
        var parts: [Part] = []
        parts.reserveCapacity(Self.partNames.count)
        func part(_ name: String, _ body: (inout Accumulator) -> Void) {
            var accumulator = Accumulator()
            body(&accumulator)
            parts.append(Part(name: name, rows: accumulator.rows, hash: accumulator.hex))
        }
        part("profile") { a in
            let p = snapshot.profile
            var row = StableHash()
            row.add(p.id)
            row.add(p.firstSeen.seconds)
            row.add(p.birthDate?.seconds ?? Int64.min)
            row.add(p.segment)
            row.add(p.region)
            row.add(p.accountID)
            row.add(p.role)
            row.add(Int64(p.consents.rawValue))
            row.add(p.doNotContact ? 1 : 0)
            for key in p.attributes.keys.sorted() {
                row.add(key)
                row.add(String(describing: p.attributes[key]!))
            }
            a.add(row)
        }
        part("purchases") { a in
            for x in snapshot.purchases where x.at <= asOf {
                var row = StableHash()
                row.add(x.productID); row.add(x.category); row.add(x.at.seconds); row.add(x.amountCents)
                row.add(Int64(x.quantity)); row.add(x.channel?.rawValue ?? ""); row.add(x.orderID ?? "")
                a.add(row)
            }
        }
        part("life_events") { a in
            for x in snapshot.lifeEvents where x.at <= asOf {
                var row = StableHash()
                row.add(x.kind); row.add(x.at.seconds)
                a.add(row)
            }
        }
        part("interactions") { a in
            for x in snapshot.interactions where x.at <= asOf {
                var row = StableHash()
                row.add(x.channel.rawValue); row.add(x.kind); row.add(x.at.seconds); row.add(x.itemID ?? "")
                a.add(row)
            }
        }
        part("responses") { a in
            for x in snapshot.responses {
                guard let outcome = x.outcome(asOf: asOf) else { continue }
                var row = StableHash()
                row.add(x.itemID); row.add(x.channel.rawValue); row.add(x.presentedAt.seconds); row.add(outcome.rawValue)
                row.add(x.respondedAt.map { $0 <= asOf ? $0.seconds : Int64.min } ?? Int64.min)
                a.add(row)
            }
        }
        part("loyalty_ledger") { a in
            for x in snapshot.loyaltyLedger where x.at <= asOf {
                var row = StableHash()
                row.add(x.at.seconds); row.add(Int64(x.points)); row.add(x.reason)
                a.add(row)
            }
        }
        part("stage_history") { a in
            if let s = snapshot.recordedStage {
                var row = StableHash()
                row.add(s.stage.rawValue); row.add(s.since.seconds); row.add(s.previous?.rawValue ?? "")
                a.add(row)
            }
        }
        if !snapshot.accountMembers.isEmpty {
            // The other members, their purchases, presentations and last stage, as the account facts and caps read them.
            part("account") { a in
                for member in snapshot.accountMembers {
                    var row = StableHash()
                    row.add(member.id); row.add(member.role)
                    a.add(row)
                    for x in member.purchases where x.at <= asOf {
                        var row = StableHash()
                        row.add(member.id); row.add(x.productID); row.add(x.category); row.add(x.at.seconds); row.add(x.amountCents)
                        a.add(row)
                    }
                    for x in member.presentations where x.at <= asOf {
                        var row = StableHash()
                        row.add(member.id); row.add(x.channel.rawValue); row.add(x.at.seconds)
                        a.add(row)
                    }
                    if let x = member.stages.filter({ $0.since <= asOf }).max(by: { $0.since < $1.since }) {
                        var row = StableHash()
                        row.add(member.id); row.add(x.stage.rawValue); row.add(x.since.seconds)
                        a.add(row)
                    }
                }
            }
        }
        self.parts = parts
    }

    /// The combined hash (16 hex digits) of every part: what a decision is stamped with.
    package var hash: String {
        var row = StableHash()
        for part in parts {
            row.add(part.name)
            row.add(Int64(part.rows))
            row.add(part.hash)
        }
        return row.hex
    }

    /// The parts as stored: `profile:1:0a1b…;purchases:12:…`.
    package var encoded: String {
        parts.map { "\($0.name):\($0.rows):\($0.hash)" }.joined(separator: ";")
    }

    /// Parses ``encoded``; nil when the text is not in that form.
    package init?(encoded: String) {
        var parts: [Part] = []
        for field in encoded.split(separator: ";") {
            let pieces = field.split(separator: ":")
            guard pieces.count == 3, let rows = Int(pieces[1]) else { return nil }
            parts.append(Part(name: String(pieces[0]), rows: rows, hash: String(pieces[2])))
        }
        self.parts = parts
    }

    /// What differs from `earlier`, one sentence per changed part, e.g. `purchases: 12 rows at
    /// the decision, 13 now (as of the same date)`; empty when nothing did.
    package func changes(since earlier: DecisionInputs) -> [String] {
        var changes: [String] = []
        for part in parts {
            guard let before = earlier.parts.first(where: { $0.name == part.name }) else {
                changes.append("\(part.name): not recorded at the decision")
                continue
            }
            guard before != part else { continue }
            if before.rows != part.rows {
                let delta = part.rows - before.rows
                changes.append("\(part.name): \(before.rows) \(before.rows == 1 ? "row" : "rows") at the decision, \(part.rows) now (\(delta > 0 ? "+" : "")\(delta), dated on or before the decision's as_of)")
            } else {
                changes.append("\(part.name): the same \(part.rows) \(part.rows == 1 ? "row" : "rows"), but their content changed (hash \(before.hash) → \(part.hash))")
            }
        }
        for before in earlier.parts where !parts.contains(where: { $0.name == before.name }) {
            changes.append("\(before.name): \(before.rows) \(before.rows == 1 ? "row" : "rows") at the decision, none now")
        }
        return changes
    }


    /// An order-independent sum of row hashes.
    struct Accumulator {
        var sum: UInt64 = 0
        var rows = 0
        mutating func add(_ row: StableHash) {
            sum &+= row.finished
            rows += 1
        }
        var hex: String {
            var row = StableHash()
            row.add(Int64(bitPattern: sum))
            row.add(Int64(rows))
            return row.hex
        }
    }
}
