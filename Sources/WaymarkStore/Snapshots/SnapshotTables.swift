import Foundation
import Postgres
import WaymarkCore

/// The tables a client snapshot is read from, with the SELECT that reads each and the decoding
/// of its rows. Shared by the one-client loader and the nightly stream, so both read alike.
///
/// Every SELECT starts with `client_id`; times are read as whole epoch seconds and amounts as
/// cents, so decoding is integer parsing.
enum SnapshotTable: Int, CaseIterable, Sendable {
    case clients, purchases, lifeEvents, interactions, responses, ledger, stage, cadences
    /// The other members of the client's account with their purchases, presentations and recorded
    /// stages: one row per member and purchase, presentation or stage (kind `purchase`,
    /// `presented` or `stage`; a member
    /// with neither has one row with NULL in those columns). It joins
    /// `clients` to itself through `account_id`, the one read across clients (docs/formats.md).
    case account

    /// The SELECT list and FROM clause; `where` is a condition on `client_id` (already
    /// qualified), `bounds` one on the table's other columns (a time bound,
    /// ``SnapshotTimeBounds``), `stageBefore` the epoch second up to which stage history counts.
    ///
    /// `ordered` sorts by `client_id` in byte order: with `COLLATE "C"`, or, when
    /// `defaultIsByteOrder` (see ``defaultCollationIsByteOrder(_:)``), in the column's own
    /// collation, so the server reads each table in its primary key's order instead of sorting
    /// it (spilling to disk on a big table).
    func select(where clientCondition: String, bounds: String? = nil, stageBefore: Int64, ordered: Bool,
                defaultIsByteOrder: Bool = false) -> String {
        let condition = bounds.map { "\(clientCondition) AND \($0)" } ?? clientCondition
        let collate = defaultIsByteOrder ? "" : " COLLATE \"C\""
        let order = ordered ? " ORDER BY client_id\(collate)" : ""
        switch self {
        case .clients:
            return """
                SELECT client_id, floor(extract(epoch FROM first_seen))::bigint, (birth_date - DATE '1970-01-01'), \
                segment, region, coalesce(account_id, ''), coalesce(role, ''), array_to_string(consents, ','), \
                do_not_contact, attributes::text FROM clients WHERE \(condition)\(order)
                """
        case .purchases:
            return """
                SELECT p.client_id, p.product_id, coalesce(pr.category, ''), floor(extract(epoch FROM p.purchased_at))::bigint, \
                (p.amount * 100)::bigint, p.quantity, coalesce(p.channel, ''), p.order_id \
                FROM purchases p LEFT JOIN products pr ON pr.product_id = p.product_id WHERE \(condition.replacingOccurrences(of: "client_id", with: "p.client_id"))\
                \(ordered ? " ORDER BY p.client_id\(collate)" : "")
                """
        case .lifeEvents:
            return "SELECT client_id, kind, floor(extract(epoch FROM occurred_at))::bigint FROM life_events WHERE \(condition)\(order)"
        case .interactions:
            return """
                SELECT client_id, channel, kind, floor(extract(epoch FROM occurred_at))::bigint, item_id \
                FROM interactions WHERE \(condition)\(order)
                """
        case .responses:
            return """
                SELECT client_id, item_id, channel, floor(extract(epoch FROM presented_at))::bigint, outcome, \
                floor(extract(epoch FROM responded_at))::bigint FROM responses WHERE \(condition)\(order)
                """
        case .ledger:
            return """
                SELECT client_id, floor(extract(epoch FROM occurred_at))::bigint, points, reason \
                FROM loyalty_ledger WHERE purchase_id IS NULL AND \(condition)\(order)
                """
        case .cadences:
            return """
                SELECT client_id, cadence_id, status, step, floor(extract(epoch FROM entered_at))::bigint, \
                floor(extract(epoch FROM next_due))::bigint, entry_stage, floor(extract(epoch FROM ended_at))::bigint, reason, \
                floor(extract(epoch FROM moved_at))::bigint FROM cadence_states WHERE \(condition)\(order)
                """
        case .account:
            // The clients asked for first (`asked`), then the other members of their accounts:
            // on Citus, `clients` cannot join itself on account_id (not the distribution column),
            // but a CTE of the clients asked for, joined with `clients` and then, per member, with
            // the member's co-located rows, is planned (the CTE's rows are sent to the workers).
            // On one server the CTE is inlined: the same plan as a self-join.
            return """
                WITH asked AS (SELECT client_id, account_id FROM clients \
                WHERE account_id IS NOT NULL AND account_id <> '' AND \(clientCondition)) \
                SELECT client_id, member_id, role, kind, what, category, at, cents FROM (\
                SELECT c.client_id, m.client_id AS member_id, coalesce(m.role, '') AS role, x.kind, x.what, x.category, \
                floor(extract(epoch FROM x.at_ts))::bigint AS at, x.cents, x.at_ts \
                FROM asked c JOIN clients m ON m.account_id = c.account_id AND m.client_id <> c.client_id \
                LEFT JOIN LATERAL (\
                SELECT 'purchase' AS kind, p.product_id AS what, coalesce(pr.category, '') AS category, p.purchased_at AS at_ts, \
                (p.amount * 100)::bigint AS cents FROM purchases p LEFT JOIN products pr ON pr.product_id = p.product_id \
                WHERE p.client_id = m.client_id \
                UNION ALL SELECT 'presented', r.channel::text, '', r.presented_at, NULL::bigint FROM responses r \
                WHERE r.client_id = m.client_id \
                UNION ALL SELECT 'stage', s.stage::text, '', s.changed_at, NULL::bigint FROM stage_history s \
                WHERE s.client_id = m.client_id) AS x ON TRUE) AS a\(bounds.map { " WHERE \($0)" } ?? "")\(order)
                """
        case .stage:
            return """
                SELECT DISTINCT ON (client_id\(collate)) client_id, stage, floor(extract(epoch FROM changed_at))::bigint, previous \
                FROM stage_history WHERE changed_at <= to_timestamp(\(stageBefore)) AND \(condition) \
                ORDER BY client_id\(collate), changed_at DESC
                """
        }
    }
}

extension SnapshotTable {
    /// Whether the database's default collation (that of every `client_id` column) orders text
    /// byte-wise, as Swift compares the ids in the merge: `C`, `POSIX` or `C.UTF-8` (code point
    /// order, which is UTF-8 byte order) with the libc or builtin provider. ICU collations and
    /// any other locale are not; nor is anything this query cannot tell (then false, and the
    /// stream sorts with `COLLATE "C"`).
    static func defaultCollationIsByteOrder(_ connection: Connection) -> Bool {
        guard let result = try? connection.execute("""
            SELECT datlocprovider::text, datcollate FROM pg_database WHERE datname = current_database()
            """), result.rowCount == 1,
            let provider = result[0, 0], let collate = result[0, 1] else { return false }
        return ["c", "b"].contains(provider) && ["C", "POSIX", "C.UTF-8", "C.utf8"].contains(collate)
    }
}

/// One decoded row of a snapshot table.
enum SnapshotRow: Sendable {
    case profile(ClientProfile)
    case purchase(Purchase)
    case lifeEvent(LifeEvent)
    case interaction(Interaction)
    case response(Response)
    case ledger(LoyaltyEntry)
    case stage(StageRecord)
    case cadence(CadenceState)
    case accountMember(AccountMember)
}

extension SnapshotTable {
    /// Decodes a row (fields as text, nil for NULL) into its client id and value; nil for a row
    /// the engine cannot use (an unknown channel or stage).
    func decode(_ fields: [String?]) -> (clientID: String, row: SnapshotRow)? {
        guard let clientID = fields[0] else { return nil }
        func int(_ i: Int) -> Int64? { fields[i].flatMap { Int64($0) } }
        func time(_ i: Int) -> Timestamp? { int(i).map { Timestamp(seconds: $0) } }
        switch self {
        case .clients:
            let consents = ChannelSet((fields[7] ?? "").split(separator: ",").compactMap { Channel(rawValue: String($0)) })
            let profile = ClientProfile(
                id: clientID,
                firstSeen: time(1) ?? Timestamp(seconds: 0),
                birthDate: int(2).map { Timestamp(seconds: $0 * Timestamp.secondsPerDay) },
                segment: fields[3] ?? "", region: fields[4] ?? "",
                accountID: fields[5] ?? "", role: fields[6] ?? "",
                consents: consents,
                doNotContact: fields[8] == "t",
                attributes: Self.attributes(fields[9]))
            return (clientID, .profile(profile))
        case .purchases:
            guard let at = time(3) else { return nil }
            return (clientID, .purchase(Purchase(
                productID: fields[1] ?? "", category: fields[2] ?? "", at: at, amountCents: int(4) ?? 0,
                quantity: Int(int(5) ?? 1), channel: fields[6].flatMap { Channel(rawValue: $0) },
                orderID: fields.count > 7 ? fields[7] : nil)))
        case .lifeEvents:
            guard let at = time(2) else { return nil }
            return (clientID, .lifeEvent(LifeEvent(kind: fields[1] ?? "", at: at)))
        case .interactions:
            guard let channel = fields[1].flatMap({ Channel(rawValue: $0) }), let at = time(3) else { return nil }
            return (clientID, .interaction(Interaction(channel: channel, kind: fields[2] ?? "", at: at, itemID: fields[4])))
        case .responses:
            guard let channel = fields[2].flatMap({ Channel(rawValue: $0) }), let at = time(3),
                  let outcome = fields[4].flatMap({ Response.Outcome(rawValue: $0) }) else { return nil }
            return (clientID, .response(Response(itemID: fields[1] ?? "", channel: channel, presentedAt: at, outcome: outcome, respondedAt: time(5))))
        case .ledger:
            guard let at = time(1) else { return nil }
            return (clientID, .ledger(LoyaltyEntry(at: at, points: Int(int(2) ?? 0), reason: fields[3] ?? "")))
        case .stage:
            guard let stage = fields[1].flatMap({ LifecycleStage(rawValue: $0) }), let since = time(2) else { return nil }
            return (clientID, .stage(StageRecord(stage: stage, since: since, previous: fields[3].flatMap { LifecycleStage(rawValue: $0) })))
        case .cadences:
            guard let cadenceID = fields[1], let status = fields[2].flatMap({ CadenceState.Status(rawValue: $0) }),
                  let step = int(3), let entered = time(4), let due = time(5) else { return nil }
            return (clientID, .cadence(CadenceState(cadenceID: cadenceID, status: status, step: Int(step), enteredAt: entered, nextDue: due,
                                                   entryStage: fields[6] ?? "", endedAt: time(7), reason: fields[8] ?? "", movedAt: time(9))))
        case .account:
            guard let memberID = fields[1] else { return nil }
            var member = AccountMember(id: memberID, role: fields[2] ?? "")
            switch (fields[3], time(6)) {
            case ("purchase"?, let at?):
                member.purchases.append(Purchase(productID: fields[4] ?? "", category: fields[5] ?? "", at: at, amountCents: int(7) ?? 0))
            case ("presented"?, let at?):
                guard let channel = fields[4].flatMap({ Channel(rawValue: $0) }) else { break }
                member.presentations.append(Presentation(channel: channel, at: at))
            case ("stage"?, let at?):
                guard let stage = fields[4].flatMap({ LifecycleStage(rawValue: $0) }) else { break }
                member.stages.append(StageRecord(stage: stage, since: at))
            default:
                break
            }
            return (clientID, .accountMember(member))
        }
    }

    /// Custom attributes from the `attributes` jsonb text.
    static func attributes(_ text: String?) -> [String: RuleValue] {
        guard let text, text != "{}",
              let decoded = try? JSONDecoder().decode([String: AttributeValue].self, from: Data(text.utf8)) else { return [:] }
        return decoded.mapValues(\.value)
    }
}

/// A JSON value of `clients.attributes`, as a rule value.
struct AttributeValue: Decodable {
    var value: RuleValue

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { value = .null }
        else if let bool = try? container.decode(Bool.self) { value = .bool(bool) }
        else if let int = try? container.decode(Int.self) { value = .int(int) }
        else if let double = try? container.decode(Double.self) { value = .double(double) }
        else if let string = try? container.decode(String.self) { value = .string(string) }
        else if let list = try? container.decode([AttributeValue].self) { value = .list(list.map(\.value)) }
        else { value = .null }
    }
}

extension ClientSnapshot {
    /// Adds a decoded row to the snapshot.
    mutating func add(_ row: SnapshotRow) {
        switch row {
        case .profile(let profile): self.profile = profile
        case .purchase(let purchase): purchases.append(purchase)
        case .lifeEvent(let event): lifeEvents.append(event)
        case .interaction(let interaction): interactions.append(interaction)
        case .response(let response): responses.append(response)
        case .ledger(let entry): loyaltyLedger.append(entry)
        case .stage(let record): recordedStage = record
        case .cadence(let state): cadences.append(state)
        case .accountMember(let member):
            // One row per member and purchase, in any order: merged by member.
            if let index = accountMembers.firstIndex(where: { $0.id == member.id }) {
                accountMembers[index].purchases += member.purchases
                accountMembers[index].presentations += member.presentations
                accountMembers[index].stages += member.stages
            } else {
                accountMembers.append(member)
            }
        }
    }
}
