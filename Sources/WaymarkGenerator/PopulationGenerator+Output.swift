internal import WaymarkCore
import Foundation

// MARK: - Attributes and output

extension PopulationGenerator {
    /// Custom attributes for some clients, as a JSON object (or nil).
    func makeAttributes(_ client: GenClientProfile, _ timeline: GenTimeline, _ rng: inout SeededGenerator) -> String? {
        var parts: [String] = []
        let thresholds = ladders[client.ladder].tierThresholdsCents
        if timeline.totalCents >= thresholds[thresholds.count - 1] && rng.chance(0.6) { parts.append("\"vip\":true") }
        if rng.chance(0.12) { parts.append("\"language\":\"\(["fr", "de", "es", "nl", "pl"][rng.below(5)])\"") }
        if rng.chance(0.08) { parts.append("\"source\":\"\(["referral", "partner", "event"][rng.below(3)])\"") }
        if rng.chance(0.04) { parts.append("\"note\":\"prefers calls, \\\"after 6pm\\\"\"") }
        return parts.isEmpty ? nil : "{" + parts.joined(separator: ",") + "}"
    }

    /// Output time: keeps the day and squeezes the time of day into 08:00–20:00, monotonically,
    /// so every ordering and bound of the raw process still holds.
    @inline(__always)
    func shown(_ raw: Int64) -> Int64 {
        let day = raw >= 0 ? raw / genSecondsPerDay : (raw - genSecondsPerDay + 1) / genSecondsPerDay
        let second = raw - day * genSecondsPerDay
        return day * genSecondsPerDay + 8 * 3600 + second / 2
    }

    func clientId(_ out: inout CSVBytes, _ prefix: UInt8, _ index: Int) {
        out.bytes.append(prefix)
        out.integer(index + 1, width: idWidth)
    }

    func rowId(_ out: inout CSVBytes, _ prefix: UInt8, _ index: Int, _ sequence: Int) {
        clientId(&out, prefix, index)
        out.bytes.append(UInt8(ascii: "-"))
        out.integer(sequence)
    }

    func write(_ client: GenClientProfile, attributes: String?, scratch: inout GeneratorScratch, into batch: inout GeneratedBatch) {
        let index = client.index
        let ids = ladderBytes[client.ladder]

        // clients.csv
        do {
            var out = CSVBytes()
            swap(&out, &batch[.clients])
            clientId(&out, UInt8(ascii: "C"), index)
            out.comma()
            out.timestamp(seconds: shown(client.firstSeen))
            out.comma()
            if client.birthKnown {
                let day = client.birthSecond >= 0 ? client.birthSecond / genSecondsPerDay : (client.birthSecond - genSecondsPerDay + 1) / genSecondsPerDay
                out.date(day: Int(day))
            }
            out.comma()
            out.field(client.segment)
            out.comma()
            out.field(genRegionNames[client.region])
            out.comma()
            if client.group != .single {
                clientId(&out, client.group == .business ? UInt8(ascii: "B") : UInt8(ascii: "H"), client.headIndex)
            }
            out.comma()
            if let role = client.role { out.field(role) }
            out.comma()
            var first = true
            for channel in Channel.allCases where client.consents & channel.bit != 0 {
                if !first { out.bytes.append(UInt8(ascii: ";")) }
                out.raw(channel.bytes)
                first = false
            }
            out.comma()
            out.raw(client.doNotContact ? "true" : "false")
            out.comma()
            if let attributes { out.field(attributes) }
            out.newline()
            swap(&out, &batch[.clients])
        }

        // purchases.csv
        if !scratch.purchases.isEmpty {
            var out = CSVBytes()
            swap(&out, &batch[.purchases])
            for (sequence, purchase) in scratch.purchases.enumerated() {
                rowId(&out, UInt8(ascii: "P"), index, sequence + 1)
                out.comma()
                clientId(&out, UInt8(ascii: "C"), index)
                out.comma()
                out.raw(ids.productIds[purchase.product])
                out.comma()
                out.timestamp(seconds: shown(purchase.time))
                out.comma()
                out.cents(purchase.cents)
                out.comma()
                out.integer(purchase.quantity)
                out.comma()
                out.raw(purchase.channel.bytes)
                out.newline()
            }
            swap(&out, &batch[.purchases])
        }

        // events.csv
        if !scratch.events.isEmpty {
            var out = CSVBytes()
            swap(&out, &batch[.events])
            for (sequence, event) in scratch.events.enumerated() {
                rowId(&out, UInt8(ascii: "E"), index, sequence + 1)
                out.comma()
                clientId(&out, UInt8(ascii: "C"), index)
                out.comma()
                out.raw(genEventKindBytes[event.kind])
                out.comma()
                out.timestamp(seconds: shown(event.time))
                out.comma()
                switch event.kind {
                case GenEventKind.childBorn: out.field("{\"child_number\":\(event.detail)}")
                case GenEventKind.homePurchase: out.field(event.detail == 1 ? "{\"first_home\":true}" : "{\"first_home\":false}")
                case GenEventKind.relocation: out.field("{\"to_region\":\"\(genRegionNames[event.detail])\"}")
                case GenEventKind.businessStarted: out.field("{\"employees\":\(event.detail)}")
                default: break
                }
                out.newline()
            }
            swap(&out, &batch[.events])
        }

        // GenMessage opens and clicks appear in the interactions too.
        for response in scratch.responses where response.outcome != .presented && response.responded >= 0 {
            switch response.channel {
            case .email, .app, .sms:
                scratch.interactions.append(GenInteractionRecord(
                    time: response.responded, channel: response.channel,
                    kind: response.outcome == .accepted ? .click : .open, item: response.item))
            default:
                break
            }
        }

        // interactions.csv
        if !scratch.interactions.isEmpty {
            scratch.interactions.sort { $0.time < $1.time }
            var out = CSVBytes()
            swap(&out, &batch[.interactions])
            for (sequence, interaction) in scratch.interactions.enumerated() {
                rowId(&out, UInt8(ascii: "I"), index, sequence + 1)
                out.comma()
                clientId(&out, UInt8(ascii: "C"), index)
                out.comma()
                out.raw(interaction.channel.bytes)
                out.comma()
                out.raw(interaction.kind.bytes)
                out.comma()
                out.timestamp(seconds: shown(interaction.time))
                out.comma()
                writeItem(interaction.item, ids, &out)
                out.newline()
            }
            swap(&out, &batch[.interactions])
        }

        // responses.csv
        if !scratch.responses.isEmpty {
            scratch.responses.sort { $0.presented < $1.presented }
            var out = CSVBytes()
            swap(&out, &batch[.responses])
            for (sequence, response) in scratch.responses.enumerated() {
                rowId(&out, UInt8(ascii: "R"), index, sequence + 1)
                out.comma()
                clientId(&out, UInt8(ascii: "C"), index)
                out.comma()
                writeItem(response.item, ids, &out)
                out.comma()
                out.raw(response.channel.bytes)
                out.comma()
                out.timestamp(seconds: shown(response.presented))
                out.comma()
                out.raw(response.outcome.bytes)
                out.comma()
                if response.responded >= 0 { out.timestamp(seconds: shown(response.responded)) }
                out.newline()
            }
            swap(&out, &batch[.responses])
        }
    }

    func writeItem(_ item: Int, _ ids: GenLadderBytes, _ out: inout CSVBytes) {
        if item >= 100 {
            if let id = ids.offerItemIds[item - 100] { out.raw(id) }
        } else if item >= 0 {
            out.raw(genMessageItemBytes[item])
        }
    }
}
