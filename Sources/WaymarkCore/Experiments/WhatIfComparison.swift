/// The difference between two sets of decisions about the same clients: the published run's
/// and a draft catalog's (`waymark what-if`).
package struct WhatIfComparison: Sendable, Hashable {
    /// One client's decision: the offers in rank order and the messages, each with its channel
    /// and (offers) expected value, propensity × value.
    package struct Decision: Sendable, Hashable {
        package var clientID: String
        package var offers: [Pick]
        package var messages: [Pick]

        package init(clientID: String, offers: [Pick] = [], messages: [Pick] = []) {
            self.clientID = clientID
            self.offers = offers
            self.messages = messages
        }

        /// The decision of an engine answer (what is sent: the holdout's withheld items are not).
        package init(_ set: RecommendationSet) {
            clientID = set.clientID
            offers = set.offers.map { Pick(item: $0.itemID, channel: $0.channel.rawValue, expectedValue: $0.explanation.factors.propensity * $0.explanation.factors.value) }
            messages = set.messages.map { Pick(item: $0.itemID, channel: $0.channel.rawValue, expectedValue: 0) }
        }
    }

    package struct Pick: Sendable, Hashable {
        package var item: String
        package var channel: String
        package var expectedValue: Double

        package init(item: String, channel: String, expectedValue: Double) {
            self.item = item
            self.channel = channel
            self.expectedValue = expectedValue
        }
    }

    package struct ItemCount: Sendable, Hashable {
        package var item: String
        package var kind: String
        package var before: Int
        package var after: Int
    }

    package struct ChannelLoad: Sendable, Hashable {
        package var channel: String
        package var before: Int
        package var after: Int
    }

    package struct TopChange: Sendable, Hashable {
        package var clientID: String
        package var before: String?
        package var after: String?
    }

    package var clients: Int
    /// Per item, recommendations before and after (offers first, by item id).
    package var items: [ItemCount]
    /// Per channel, recommendations (offers and messages) before and after: the contact load.
    package var channels: [ChannelLoad]
    /// The clients whose top offer changes, by client id.
    package var topChanges: [TopChange]
    /// Per message item: clients who get it with the draft and not before, and the other way round.
    package var messagesGained: Int
    package var messagesLost: Int
    /// The sum of propensity × value of the offers, before and after.
    package var expectedValueBefore: Double
    package var expectedValueAfter: Double

    /// Compares `before` and `after`, matched by client id (a client in one only counts with
    /// nothing in the other).
    package init(before: [Decision], after: [Decision]) {
        var beforeByClient: [String: Decision] = [:]
        for d in before { beforeByClient[d.clientID] = d }
        var afterByClient: [String: Decision] = [:]
        for d in after { afterByClient[d.clientID] = d }
        let clientIDs = Set(beforeByClient.keys).union(afterByClient.keys).sorted()
        var counts: [String: ItemCount] = [:]
        var loads: [String: ChannelLoad] = [:]
        var changes: [TopChange] = []
        var gained = 0, lost = 0, valueBefore = 0.0, valueAfter = 0.0
        for id in clientIDs {
            let b = beforeByClient[id] ?? Decision(clientID: id), a = afterByClient[id] ?? Decision(clientID: id)
            for (picks, kind, isAfter) in [(b.offers, "offer", false), (b.messages, "message", false), (a.offers, "offer", true), (a.messages, "message", true)] {
                for pick in picks {
                    var count = counts[pick.item] ?? ItemCount(item: pick.item, kind: kind, before: 0, after: 0)
                    var load = loads[pick.channel] ?? ChannelLoad(channel: pick.channel, before: 0, after: 0)
                    if isAfter { count.after += 1; load.after += 1 } else { count.before += 1; load.before += 1 }
                    counts[pick.item] = count
                    loads[pick.channel] = load
                }
            }
            if b.offers.first?.item != a.offers.first?.item {
                changes.append(TopChange(clientID: id, before: b.offers.first?.item, after: a.offers.first?.item))
            }
            let messagesBefore = Set(b.messages.map(\.item)), messagesAfter = Set(a.messages.map(\.item))
            gained += messagesAfter.subtracting(messagesBefore).count
            lost += messagesBefore.subtracting(messagesAfter).count
            valueBefore += b.offers.reduce(0) { $0 + $1.expectedValue }
            valueAfter += a.offers.reduce(0) { $0 + $1.expectedValue }
        }
        clients = clientIDs.count
        items = counts.values.sorted { $0.kind != $1.kind ? $0.kind == "offer" : $0.item < $1.item }
        channels = loads.values.sorted { $0.channel < $1.channel }
        topChanges = changes
        messagesGained = gained
        messagesLost = lost
        expectedValueBefore = valueBefore
        expectedValueAfter = valueAfter
    }

    /// The headline in sentences.
    package var summaryLines: [String] {
        let before = items.reduce(0) { $0 + $1.before }, after = items.reduce(0) { $0 + $1.after }
        return [
            "\(clients) clients; the top offer changes for \(topChanges.count) (\(clients > 0 ? Int((Double(topChanges.count) / Double(clients) * 100).rounded()) : 0) %).",
            "Recommendations: \(before) published, \(after) with the draft (\(after - before >= 0 ? "+" : "")\(after - before)).",
            "Messages: \(messagesGained) gained, \(messagesLost) lost.",
            "Expected value of the offers (propensity × value): \(fmt(expectedValueBefore)) published, \(fmt(expectedValueAfter)) with the draft.",
        ]
    }
}
