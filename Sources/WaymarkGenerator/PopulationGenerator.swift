package import WaymarkCore
import Foundation

/// Generates a synthetic client population as CSV text, client by client.
///
/// Pure code: rows go into a `GeneratedBatch` that the caller drains (the `generate` command
/// writes each table to its file). Memory does not grow with the number of clients: each client
/// is generated from its own random sub-stream, written, and forgotten. The story and every
/// distribution are described in docs/generator.md.
///
/// ```swift
/// let generator = try PopulationGenerator(GeneratorConfiguration(clients: 1000, seed: 42, endDay: 20_000))
/// try generator.generate { table, bytes in try write(bytes, to: table.fileName) }
/// ```
package struct PopulationGenerator: Sendable {
    package let configuration: GeneratorConfiguration
    let ladders: [GeneratorLadder]
    let ladderBytes: [GenLadderBytes]
    let startSecond: Int64
    let endSecond: Int64
    let idWidth: Int

    /// A generator for a configuration.
    ///
    /// - Throws: `GeneratorError` when the configuration is out of range.
    package init(_ configuration: GeneratorConfiguration) throws(GeneratorError) {
        try configuration.validate()
        self.configuration = configuration
        ladders = GeneratorCatalog.ladders(for: configuration.flavour)
        ladderBytes = ladders.map(GenLadderBytes.init)
        startSecond = Int64(configuration.startDay) * 86_400
        endSecond = Int64(configuration.endDay) * 86_400
        idWidth = max(7, String(configuration.clients).count)
    }

    /// Generates every table and hands the CSV text to `flush` in chunks of about
    /// `flushThreshold` bytes, in file order (each table's chunks in sequence, header first).
    ///
    /// - Parameters:
    ///   - flushThreshold: a table's buffer is flushed once it holds at least this many bytes.
    ///   - flush: receives a table and the next bytes of its file.
    /// - Throws: only what `flush` throws.
    package func generate(
        flushThreshold: Int = 1 << 20,
        flush: (GeneratedTable, [UInt8]) throws -> Void
    ) rethrows {
        var batch = GeneratedBatch()
        var scratch = GeneratorScratch()
        for table in GeneratedTable.allCases { writeHeader(table, into: &batch[table]) }
        writeProducts(into: &batch[.products])
        for index in 0..<configuration.clients {
            writeClient(index, into: &batch, scratch: &scratch)
            for table in GeneratedTable.allCases where batch[table].count >= flushThreshold {
                try flush(table, batch[table].bytes)
                batch[table].removeAll()
            }
        }
        for table in GeneratedTable.allCases where batch[table].count > 0 {
            try flush(table, batch[table].bytes)
            batch[table].removeAll()
        }
    }

    /// Appends the header line of a table.
    package func writeHeader(_ table: GeneratedTable, into out: inout CSVBytes) {
        for (position, column) in table.columns.enumerated() {
            if position > 0 { out.comma() }
            out.field(column)
        }
        out.newline()
    }

    /// Appends the rows of products.csv (without the header).
    package func writeProducts(into out: inout CSVBytes) {
        for ladder in ladders {
            for product in ladder.products {
                out.field(product.id)
                out.comma()
                out.field(product.name)
                out.comma()
                out.field(ladder.categories[product.categoryIndex].id)
                out.comma()
                out.cents(product.listPriceCents)
                out.comma()
                out.raw(product.repeatable ? "true" : "false")
                out.newline()
            }
        }
    }

    /// Appends every row of one client (0-based index) to the batch's tables.
    package func writeClient(_ index: Int, into batch: inout GeneratedBatch, scratch: inout GeneratorScratch) {
        precondition(index >= 0 && index < configuration.clients, "client index out of range")
        let client = makeClient(index)
        var rng = GeneratorRandom(seed: configuration.seed, index: UInt64(index), stream: GenStream.timeline)
        scratch.reset()
        makeEvents(client, &rng, &scratch)
        let timeline = makePurchases(client, &rng, &scratch)
        makeInteractions(client, timeline, &rng, &scratch)
        makeResponses(client, timeline, &rng, &scratch)
        let attributes = makeAttributes(client, timeline, &rng)
        write(client, attributes: attributes, scratch: &scratch, into: &batch)
    }
}

// MARK: - Constants

enum GenStream {
    static let layout: UInt64 = 1
    static let household: UInt64 = 2
    static let person: UInt64 = 3
    static let timeline: UInt64 = 4
}

let genSecondsPerDay: Int64 = 86_400
let genSecondsPerYear = 31_557_600.0

/// Channels as written (docs/formats.md).
enum GenChannel: Int {
    case web, email, sms, phone, store, app, social, advisor, post

    static let names: [[UInt8]] = ["web", "email", "sms", "phone", "store", "app", "social", "advisor", "post"].map { Array($0.utf8) }
    var bytes: [UInt8] { Self.names[rawValue] }
    var bit: UInt16 { 1 << UInt16(rawValue) }
}

enum GenInteractionKind: Int {
    case visit, open, click, call, meeting, support, complaint, review, referral

    static let names: [[UInt8]] = ["visit", "open", "click", "call", "meeting", "support", "complaint", "review", "referral"].map { Array($0.utf8) }
    var bytes: [UInt8] { Self.names[rawValue] }
}

enum GenOutcome: Int {
    case presented, opened, accepted, declined

    static let names: [[UInt8]] = ["presented", "opened", "accepted", "declined"].map { Array($0.utf8) }
    var bytes: [UInt8] { Self.names[rawValue] }
}

enum GenGroupKind { case single, household, business }

/// GenMessage items by index into `GeneratorCatalog.messageItemIds`.
enum GenMessage {
    static let welcome = 0, howTo = 1, thankYou = 2, anniversary = 3, tierUpgrade = 4, progress = 5, winBack = 6, referralAsk = 7
}

/// Event kinds by index into `GeneratorCatalog.lifeEventKinds`.
enum GenEventKind {
    static let graduation = 0, firstJob = 1, marriage = 2, childBorn = 3, homePurchase = 4, relocation = 5,
               businessStarted = 6, retirementApproaching = 7
}

let genRegionNames = ["capital", "north", "south", "east", "west", "central", "coast", "islands"]
let genRegionWeights: [Double] = [0.22, 0.16, 0.16, 0.12, 0.12, 0.1, 0.08, 0.04]
let genMessageItemBytes = GeneratorCatalog.messageItemIds.map { Array($0.utf8) }
let genEventKindBytes = GeneratorCatalog.lifeEventKinds.map { Array($0.utf8) }

/// Precomputed UTF-8 of a ladder's ids, and its triggers by event kind.
struct GenLadderBytes: Sendable {
    let productIds: [[UInt8]]
    let offerItemIds: [[UInt8]?]
    let triggersByKind: [GeneratorTrigger?]
    let offerCategories: [Int]

    init(_ ladder: GeneratorLadder) {
        precondition(ladder.products.count <= 64 && ladder.categories.count <= 16, "ladder too large for the owned-product bit sets")
        productIds = ladder.products.map { Array($0.id.utf8) }
        offerItemIds = ladder.categories.map { $0.offerItemId.map { Array($0.utf8) } }
        triggersByKind = GeneratorCatalog.lifeEventKinds.map { kind in ladder.triggers.first { $0.kind == kind } }
        offerCategories = ladder.categories.indices.filter { ladder.categories[$0].offerItemId != nil }
    }
}

// MARK: - Per-client records

struct GenClientProfile {
    var index: Int
    var ladder: Int
    var firstSeen: Int64
    var birthSecond: Int64
    var birthKnown: Bool
    var segment: String
    var region: Int
    var group: GenGroupKind
    var headIndex: Int
    var role: String?
    var consents: UInt16
    var doNotContact: Bool
    var isHead: Bool

    func age(at second: Int64) -> Double { Double(second - birthSecond) / genSecondsPerYear }
}

struct GenPurchaseRecord {
    var time: Int64
    var product: Int
    var category: Int
    var quantity: Int
    var cents: Int
    var channel: GenChannel
}

struct GenEventRecord {
    var time: Int64
    var kind: Int
    var detail: Int
}

struct GenInteractionRecord {
    var time: Int64
    var channel: GenChannel
    var kind: GenInteractionKind
    /// -1 none, 0..<100 a message, 100 + c the offer of category c.
    var item: Int
}

struct GenResponseRecord {
    var presented: Int64
    var responded: Int64 // -1 when none
    var item: Int
    var channel: GenChannel
    var outcome: GenOutcome
}

/// What the purchase process decided, for the later steps.
struct GenTimeline {
    var lambda: Double
    var dropout: Double
    var dead: Bool
    var totalCents: Int
}

/// Reusable per-client arrays, so generating a client allocates (almost) nothing.
package struct GeneratorScratch: Sendable {
    var purchases: [GenPurchaseRecord] = []
    var events: [GenEventRecord] = []
    var interactions: [GenInteractionRecord] = []
    var responses: [GenResponseRecord] = []
    var weights: [Double] = Array(repeating: 0, count: 64)

    package init() {}

    mutating func reset() {
        purchases.removeAll(keepingCapacity: true)
        events.removeAll(keepingCapacity: true)
        interactions.removeAll(keepingCapacity: true)
        responses.removeAll(keepingCapacity: true)
    }
}

// MARK: - Clients, households and accounts

extension PopulationGenerator {
    /// Households and business accounts are runs of consecutive clients inside blocks of 8,
    /// laid out from the block's own random stream, so any client finds its group alone.
    func groupLayout(of index: Int) -> (head: Int, kind: GenGroupKind, position: Int) {
        let blockSize = 8
        let blockStart = index - index % blockSize
        var rng = GeneratorRandom(seed: configuration.seed, index: UInt64(blockStart / blockSize), stream: GenStream.layout)
        var start = blockStart
        while start < blockStart + blockSize {
            let u = rng.uniform()
            let kind: GenGroupKind
            let size: Int
            if u < 0.85 {
                kind = .single
                size = 1
            } else if u < 0.98 {
                kind = .household
                let v = rng.uniform()
                size = v < 0.5 ? 2 : v < 0.8 ? 3 : 4
            } else {
                kind = .business
                size = rng.int(in: 2...4)
            }
            let end = min(start + size, blockStart + blockSize)
            if index < end { return (start, kind, index - start) }
            start = end
        }
        return (index, .single, 0)
    }

    func makeClient(_ index: Int) -> GenClientProfile {
        let parameters = configuration.parameters
        let layout = groupLayout(of: index)
        // What the whole group shares comes from the head's household stream.
        var shared = GeneratorRandom(seed: configuration.seed, index: UInt64(layout.head), stream: GenStream.household)
        let ladder = configuration.flavour == .mixed && !shared.chance(parameters.mixedAdvisorShare) ? 1 : 0
        let isAdvisor = ladders[ladder].flavour == .advisor
        let span = Double(endSecond - startSecond)
        let growth = parameters.acquisitionGrowthPerYear * span / genSecondsPerYear
        let u = shared.uniform()
        let fraction = growth > 1e-9 ? log1p(u * expm1(growth)) / growth : u
        let headFirstSeen = startSecond + Int64(fraction * span)
        let headAge = isAdvisor ? 42 + 14 * shared.normal() : 38 + 12 * shared.normal()
        let region = shared.weightedIndex(genRegionWeights)
        let segmentDraw = shared.uniform()
        let segment: String
        if layout.kind == .business {
            segment = "smb"
        } else if isAdvisor {
            segment = segmentDraw < 0.62 ? "mass" : segmentDraw < 0.92 ? "affluent" : "private"
        } else {
            segment = segmentDraw < 0.75 ? "mass" : "affluent"
        }

        var rng = GeneratorRandom(seed: configuration.seed, index: UInt64(index), stream: GenStream.person)
        var firstSeen = headFirstSeen
        if layout.position > 0 {
            let joined = headFirstSeen + Int64(rng.uniform() * 365 * Double(genSecondsPerDay))
            if joined < endSecond { firstSeen = joined }
        }
        let tenureYears = Double(endSecond - firstSeen) / genSecondsPerYear
        let minimumAge = 18 + tenureYears + 0.01
        var age: Double
        var role: String?
        switch (layout.kind, layout.position) {
        case (.single, _):
            age = headAge
        case (.household, 0):
            age = headAge
            role = "head"
        case (.household, 1):
            age = headAge + 4 * rng.normal()
            role = "partner"
        case (.household, _):
            age = headAge - (24 + 10 * rng.uniform())
            role = "child"
            if age < minimumAge {
                age = headAge + 4 * rng.normal()
                role = "member"
            }
        case (.business, 0):
            age = 45 + 10 * rng.normal()
            role = "decision_maker"
        case (.business, _):
            age = 38 + 10 * rng.normal()
            role = rng.chance(0.7) ? "influencer" : "user"
        }
        age = min(max(age, minimumAge), 95)
        let birthSecond = endSecond - Int64(age * genSecondsPerYear)

        var consents: UInt16 = 0
        let consentShares: [(GenChannel, Double)] = isAdvisor
            ? [(.email, 0.75), (.sms, 0.3), (.phone, 0.45), (.app, 0.35), (.advisor, 0.55), (.post, 0.2)]
            : [(.email, 0.75), (.sms, 0.35), (.phone, 0.15), (.app, 0.5), (.post, 0.1)]
        for (channel, share) in consentShares where rng.chance(share) { consents |= channel.bit }

        return GenClientProfile(
            index: index, ladder: ladder, firstSeen: firstSeen, birthSecond: birthSecond,
            birthKnown: !rng.chance(parameters.unknownBirthDateShare), segment: segment, region: region,
            group: layout.kind, headIndex: layout.head, role: role, consents: consents,
            doNotContact: rng.chance(parameters.doNotContactShare), isHead: layout.position == 0)
    }
}

// MARK: - Life events

extension PopulationGenerator {
    /// Life events at ages that make sense; only those between first_seen and the end are
    /// known to the business and written (and only those boost purchases).
    func makeEvents(_ client: GenClientProfile, _ rng: inout GeneratorRandom, _ scratch: inout GeneratorScratch) {
        func add(_ kind: Int, atAge age: Double, detail: Int = 0) {
            let time = client.birthSecond + Int64(age * genSecondsPerYear)
            if time >= client.firstSeen && time < endSecond {
                scratch.events.append(GenEventRecord(time: time, kind: kind, detail: detail))
            }
        }
        var jobAge = 18 + 8 * rng.uniform()
        if rng.chance(0.45) {
            let graduationAge = 21 + 3 * rng.uniform()
            add(GenEventKind.graduation, atAge: graduationAge)
            jobAge = graduationAge + 0.1 + 0.9 * rng.uniform()
        }
        if rng.chance(0.85) { add(GenEventKind.firstJob, atAge: jobAge) }
        let married = rng.chance(0.55)
        let marriageAge = min(max(31 + 5 * rng.normal(), 21), 60)
        if married { add(GenEventKind.marriage, atAge: marriageAge) }
        if married || rng.chance(0.2) {
            let draw = rng.uniform()
            let children = draw < 0.25 ? 0 : draw < 0.6 ? 1 : draw < 0.9 ? 2 : 3
            var childAge = married ? marriageAge + 1 + 4 * rng.uniform() : 26 + 12 * rng.uniform()
            for number in 0..<children where childAge <= 45 {
                add(GenEventKind.childBorn, atAge: childAge, detail: number + 1)
                childAge += 1.5 + 2.5 * rng.uniform()
            }
        }
        if rng.chance(0.6) {
            add(GenEventKind.homePurchase, atAge: min(max(33 + 6 * rng.normal(), 23), 60), detail: 1)
            for _ in 0..<rng.poisson(mean: 1) { add(GenEventKind.homePurchase, atAge: 30 + 40 * rng.uniform(), detail: 0) }
        }
        for _ in 0..<rng.poisson(mean: 2) {
            add(GenEventKind.relocation, atAge: 20 + 55 * rng.uniform(), detail: rng.weightedIndex(genRegionWeights))
        }
        if rng.chance(client.group == .business && client.isHead ? 0.7 : 0.07) {
            add(GenEventKind.businessStarted, atAge: 25 + 30 * rng.uniform(), detail: rng.int(in: 1...25))
        }
        if rng.chance(0.9) { add(GenEventKind.retirementApproaching, atAge: 58 + 4 * rng.uniform()) }
        scratch.events.sort { $0.time < $1.time }
    }
}

// MARK: - Purchases

extension PopulationGenerator {
    /// The buy-till-you-die process: first purchase after an exponential delay, then repeat
    /// purchases at rate λ ~ Gamma(r, α); after each repeat purchase the client drops out for
    /// good with probability p ~ Beta(a, b). Amounts: list price × quantity × Gamma-Gamma multiplier.
    func makePurchases(_ client: GenClientProfile, _ rng: inout GeneratorRandom, _ scratch: inout GeneratorScratch) -> GenTimeline {
        let parameters = configuration.parameters
        let unitSeconds = parameters.timeUnitDays * Double(genSecondsPerDay)
        let lambda = rng.gamma(shape: parameters.purchaseRateShape, rate: parameters.purchaseRateRate)
        let dropout = rng.beta(parameters.dropoutA, parameters.dropoutB)
        let spendRate = rng.gamma(shape: parameters.spendRateShape, rate: parameters.spendRateRate)
        let buyer = !rng.chance(parameters.prospectShare)
        let delay = rng.exponential(rate: 1) * parameters.firstPurchaseDelayMeanDays * Double(genSecondsPerDay)
        var timeline = GenTimeline(lambda: lambda, dropout: dropout, dead: false, totalCents: 0)
        guard buyer, delay < Double(endSecond - client.firstSeen) else { return timeline }

        let ladder = ladders[client.ladder]
        var time = client.firstSeen + Int64(delay)
        var owned: UInt64 = 0
        var ownedCategories: UInt16 = 0
        var highestRung = -1
        while true {
            let category = chooseCategory(
                ladder, client: client, at: time, owned: owned, ownedCategories: ownedCategories,
                highestRung: highestRung, rng: &rng, scratch: &scratch)
            let product = chooseProduct(ladder, category: category, owned: owned, rng: &rng, scratch: &scratch)
            let item = ladder.products[product]
            let quantity = item.maxQuantity > 1 && rng.chance(0.4) ? rng.int(in: 2...item.maxQuantity) : 1
            let multiplier = rng.gamma(shape: parameters.spendShape, rate: spendRate)
            let cents = max(1, Int((Double(item.listPriceCents * quantity) * multiplier).rounded()))
            scratch.purchases.append(GenPurchaseRecord(
                time: time, product: product, category: category, quantity: quantity, cents: cents,
                channel: purchaseChannel(ladder.flavour, &rng)))
            timeline.totalCents += cents
            owned |= 1 << UInt64(product)
            ownedCategories |= 1 << UInt16(category)
            highestRung = max(highestRung, ladder.categories[category].rung)

            if scratch.purchases.count >= parameters.maxPurchasesPerClient { break }
            if scratch.purchases.count >= 2 && rng.chance(dropout) {
                timeline.dead = true
                break
            }
            guard lambda > 0 else { break }
            let gap = rng.exponential(rate: lambda) * unitSeconds
            guard gap < Double(endSecond - time) else { break }
            time += Int64(gap)
            if time >= endSecond { break }
        }
        return timeline
    }

    func purchaseChannel(_ flavour: GeneratorFlavour, _ rng: inout GeneratorRandom) -> GenChannel {
        let u = rng.uniform()
        if flavour == .advisor {
            return u < 0.45 ? .advisor : u < 0.7 ? .web : u < 0.88 ? .phone : .app
        }
        return u < 0.45 ? .store : u < 0.85 ? .web : .app
    }

    /// The next category: prefers the rung just above the client's highest (the ladder climb),
    /// repeats in repeatable categories by their affinity, damps categories the client is too
    /// young for, and multiplies the categories of a recent life event by its fading boost.
    func chooseCategory(
        _ ladder: GeneratorLadder, client: GenClientProfile, at time: Int64, owned: UInt64, ownedCategories: UInt16,
        highestRung: Int, rng: inout GeneratorRandom, scratch: inout GeneratorScratch
    ) -> Int {
        let age = client.age(at: time)
        let triggers = ladderBytes[client.ladder].triggersByKind
        var total = 0.0
        for (index, category) in ladder.categories.enumerated() {
            var available = false
            for product in ladder.productsByCategory[index]
            where ladder.products[product].repeatable || owned & (1 << UInt64(product)) == 0 {
                available = true
                break
            }
            guard available else {
                scratch.weights[index] = 0
                continue
            }
            var weight: Double
            if highestRung < 0 {
                weight = category.rung == 0 ? 1 : category.rung == 1 ? 0.3 : 0.05
            } else {
                switch category.rung - highestRung {
                case 1: weight = 3
                case 0: weight = 1
                case 2: weight = 0.15
                case let step where step > 2: weight = 0.04
                default: weight = 0.6
                }
            }
            if ownedCategories & (1 << UInt16(index)) != 0 { weight *= category.repeatAffinity }
            if age < Double(category.minAge) { weight *= 0.1 }
            var boost = 1.0
            for event in scratch.events {
                if event.time > time { break }
                guard let trigger = triggers[event.kind], trigger.categoryIndices.contains(index) else { continue }
                let elapsed = Double(time - event.time) / Double(genSecondsPerDay)
                if elapsed < Double(trigger.windowDays) {
                    boost = max(boost, 1 + (trigger.boost - 1) * (1 - elapsed / Double(trigger.windowDays)))
                }
            }
            weight *= boost
            scratch.weights[index] = weight
            total += weight
        }
        guard total > 0 else {
            // Everything non-repeatable is owned and nothing repeatable exists: cannot happen
            // with the built-in ladders (savings and consumables repeat); fall back to entry.
            return 0
        }
        return scratch.weights.withUnsafeBufferPointer {
            rng.weightedIndex(UnsafeBufferPointer(rebasing: $0[0..<ladder.categories.count]), total: total)
        }
    }

    func chooseProduct(
        _ ladder: GeneratorLadder, category: Int, owned: UInt64, rng: inout GeneratorRandom, scratch: inout GeneratorScratch
    ) -> Int {
        let candidates = ladder.productsByCategory[category]
        var total = 0.0
        for (position, product) in candidates.enumerated() {
            let item = ladder.products[product]
            let weight = item.repeatable || owned & (1 << UInt64(product)) == 0 ? item.popularity : 0
            scratch.weights[position] = weight
            total += weight
        }
        guard total > 0 else { return candidates[0] }
        let position = scratch.weights.withUnsafeBufferPointer {
            rng.weightedIndex(UnsafeBufferPointer(rebasing: $0[0..<candidates.count]), total: total)
        }
        return candidates[position]
    }
}

// MARK: - Interactions

extension PopulationGenerator {
    func makeInteractions(_ client: GenClientProfile, _ timeline: GenTimeline, _ rng: inout GeneratorRandom, _ scratch: inout GeneratorScratch) {
        let parameters = configuration.parameters
        let isAdvisor = ladders[client.ladder].flavour == .advisor
        let first = client.firstSeen
        let day = Double(genSecondsPerDay)
        func add(_ time: Int64, _ channel: GenChannel, _ kind: GenInteractionKind, item: Int = -1) {
            guard time >= first && time < endSecond else { return }
            scratch.interactions.append(GenInteractionRecord(time: time, channel: channel, kind: kind, item: item))
        }

        // How the client arrived.
        let u = rng.uniform()
        if isAdvisor {
            if u < 0.4 { add(first, .web, .visit) }
            else if u < 0.65 { add(first, .advisor, .meeting) }
            else if u < 0.8 { add(first, .phone, .call) }
            else { add(first, .social, .click) }
        } else {
            if u < 0.4 { add(first, .store, .visit) }
            else if u < 0.75 { add(first, .web, .visit) }
            else if u < 0.9 { add(first, .social, .click) }
            else { add(first, .app, .visit) }
        }

        // Research before each purchase, support after some.
        for purchase in scratch.purchases {
            for _ in 0..<rng.poisson(mean: 1) {
                let time = max(first, purchase.time - Int64(rng.uniform() * 14 * day))
                let v = rng.uniform()
                if isAdvisor {
                    if v < 0.35 { add(time, .advisor, .meeting) }
                    else if v < 0.55 { add(time, .phone, .call) }
                    else if v < 0.9 { add(time, .web, .visit) }
                    else { add(time, .app, .visit) }
                } else {
                    add(time, v < 0.5 ? .web : v < 0.8 ? .store : .app, .visit)
                }
            }
            if rng.chance(0.08) {
                add(purchase.time + Int64(rng.uniform() * 30 * day), rng.chance(0.6) ? .phone : .email, .support)
            }
            if rng.chance(0.01) {
                add(purchase.time + Int64(rng.uniform() * 30 * day), rng.chance(0.5) ? .phone : .email, .complaint)
            }
        }

        // Background engagement: more while active, a trickle after dropping out.
        let rate = rng.gamma(shape: 2, rate: 2 / parameters.interactionsPerYear)
        let activeEnd = timeline.dead ? (scratch.purchases.last?.time ?? endSecond) : endSecond
        let emailConsent = client.consents & GenChannel.email.bit != 0
        for (from, to, share) in [(first, activeEnd, 1.0), (activeEnd, endSecond, 0.1)] where to > from {
            let span = Double(to - from)
            let count = min(rng.poisson(mean: rate * share * span / genSecondsPerYear), 500)
            for _ in 0..<count {
                let time = from + Int64(rng.uniform() * span)
                let v = rng.uniform()
                if v < 0.4 { add(time, .web, .visit) }
                else if v < 0.6 { add(time, .app, .visit) }
                else if v < 0.85 { add(time, emailConsent ? .email : .web, emailConsent ? .open : .visit) }
                else { add(time, .social, .click) }
            }
        }

        // Advocates: reviews and referrals, also from clients who never bought.
        let purchases = scratch.purchases.count
        let advocateShare = purchases >= 3 ? 0.25 : purchases > 0 ? 0.06 : 0.04
        if rng.chance(advocateShare) {
            let from = scratch.purchases.first?.time ?? first
            let span = Double(endSecond - from)
            for _ in 0..<(1 + rng.poisson(mean: 0.8)) {
                let time = from + Int64(rng.uniform() * span)
                if rng.chance(0.5) {
                    add(time, rng.chance(0.6) ? .web : .social, .review)
                } else {
                    let v = rng.uniform()
                    add(time, v < 0.4 ? .email : v < 0.7 ? .app : .web, .referral)
                }
            }
        }
    }
}

// MARK: - Responses

extension PopulationGenerator {
    /// Responses to messages after purchases and milestones, to offers that led to a purchase,
    /// and to background offers (accepted mostly when the client then bought the category).
    func makeResponses(_ client: GenClientProfile, _ timeline: GenTimeline, _ rng: inout GeneratorRandom, _ scratch: inout GeneratorScratch) {
        guard !client.doNotContact else { return }
        let messageChannel: GenChannel? =
            client.consents & GenChannel.app.bit != 0 ? .app
            : client.consents & GenChannel.email.bit != 0 ? .email
            : client.consents & GenChannel.sms.bit != 0 ? .sms
            : client.consents & GenChannel.post.bit != 0 ? .post : nil
        let ladder = ladders[client.ladder]
        let offerChannel: GenChannel? =
            ladder.flavour == .advisor && client.consents & GenChannel.advisor.bit != 0 ? .advisor
            : messageChannel ?? (client.consents & GenChannel.phone.bit != 0 ? .phone : nil)
        let day = Double(genSecondsPerDay)
        let hour = Double(3600)

        func reaction(_ presented: Int64, meanDays: Double) -> Int64? {
            let responded = presented + Int64(rng.exponential(rate: 1) * meanDays * day)
            return responded < endSecond ? responded : nil
        }
        func message(_ item: Int, at presented: Int64, accepted acceptChance: Double = 0) {
            guard let channel = messageChannel, presented >= client.firstSeen, presented < endSecond else { return }
            let u = rng.uniform()
            var outcome: GenOutcome = u < acceptChance ? .accepted : u < acceptChance + 0.55 ? .opened : u < acceptChance + 0.6 ? .declined : .presented
            var responded: Int64 = -1
            if outcome != .presented {
                if let time = reaction(presented, meanDays: 1) { responded = time } else { outcome = .presented }
            }
            scratch.responses.append(GenResponseRecord(presented: presented, responded: responded, item: item, channel: channel, outcome: outcome))
        }

        // Messages along the purchase history.
        var seenCategories: UInt16 = 0
        var cumulative = 0
        var tier = 0
        var progressSent = false
        let thresholds = ladder.tierThresholdsCents
        for (number, purchase) in scratch.purchases.enumerated() {
            let after = purchase.time + Int64((1 + 47 * rng.uniform()) * hour)
            let newCategory = seenCategories & (1 << UInt16(purchase.category)) == 0
            seenCategories |= 1 << UInt16(purchase.category)
            if number == 0 {
                message(GenMessage.welcome, at: after)
            } else if newCategory && rng.chance(0.6) {
                message(GenMessage.howTo, at: after)
            } else if rng.chance(0.5) {
                message(GenMessage.thankYou, at: after)
            }
            cumulative += purchase.cents
            if tier < thresholds.count && cumulative >= thresholds[tier] {
                while tier < thresholds.count && cumulative >= thresholds[tier] { tier += 1 }
                progressSent = false
                message(GenMessage.tierUpgrade, at: after + Int64(day))
            } else if tier < thresholds.count && !progressSent {
                let floor = tier == 0 ? 0 : thresholds[tier - 1]
                if cumulative >= (floor + thresholds[tier]) / 2 {
                    progressSent = true
                    message(GenMessage.progress, at: after + Int64(2 * day))
                }
            }
            if number == 3 {
                message(GenMessage.referralAsk, at: purchase.time + Int64((2 + 18 * rng.uniform()) * day), accepted: 0.15)
            }
        }
        if let first = scratch.purchases.first {
            let lastPurchase = scratch.purchases[scratch.purchases.count - 1].time
            var anniversary = first.time + Int64(365 * day)
            while anniversary < endSecond && (!timeline.dead || anniversary < lastPurchase + Int64(365 * day)) {
                message(GenMessage.anniversary, at: anniversary)
                anniversary += Int64(365 * day)
            }
            if timeline.dead {
                message(GenMessage.winBack, at: lastPurchase + Int64((150 + 90 * rng.uniform()) * day))
            }
        }

        guard let channel = offerChannel else { return }
        let offerIds = ladderBytes[client.ladder].offerItemIds

        // Offers that led to a purchase: presented shortly before, mostly accepted.
        for purchase in scratch.purchases where offerIds[purchase.category] != nil {
            guard rng.chance(configuration.parameters.offerLedPurchaseShare) else { continue }
            let presented = purchase.time - Int64((1 + 19 * rng.uniform()) * day)
            guard presented >= client.firstSeen else { continue }
            let accepted = rng.chance(0.8)
            let responded = presented + Int64(rng.uniform() * Double(purchase.time - presented))
            scratch.responses.append(GenResponseRecord(
                presented: presented, responded: responded, item: 100 + purchase.category, channel: channel,
                outcome: accepted ? .accepted : .opened))
        }

        // Background offers, climbing the ladder: accepted when the client buys the category soon after.
        let offerCategories = ladderBytes[client.ladder].offerCategories
        let span = Double(endSecond - client.firstSeen)
        let count = min(rng.poisson(mean: configuration.parameters.offersPerYear * span / genSecondsPerYear), 60)
        for _ in 0..<count {
            let presented = client.firstSeen + Int64(rng.uniform() * span)
            var highestRung = -1
            for purchase in scratch.purchases where purchase.time < presented {
                highestRung = max(highestRung, ladder.categories[purchase.category].rung)
            }
            var total = 0.0
            for (position, category) in offerCategories.enumerated() {
                let step = ladder.categories[category].rung - highestRung
                let weight = step == 1 ? 4.0 : step == 0 ? 1.5 : step > 1 ? 0.5 : 0.8
                scratch.weights[position] = weight
                total += weight
            }
            let category = offerCategories[scratch.weights.withUnsafeBufferPointer {
                rng.weightedIndex(UnsafeBufferPointer(rebasing: $0[0..<offerCategories.count]), total: total)
            }]
            var boughtAt: Int64?
            for purchase in scratch.purchases
            where purchase.category == category && purchase.time > presented && purchase.time <= presented + Int64(45 * day) {
                boughtAt = purchase.time
                break
            }
            let u = rng.uniform()
            var outcome: GenOutcome
            var responded: Int64 = -1
            if let boughtAt {
                outcome = u < 0.65 ? .accepted : u < 0.85 ? .opened : .presented
                if outcome != .presented { responded = presented + Int64(rng.uniform() * Double(boughtAt - presented)) }
            } else {
                outcome = u < 0.02 ? .accepted : u < 0.32 ? .declined : u < 0.62 ? .opened : .presented
                if outcome != .presented {
                    if let time = reaction(presented, meanDays: 2) { responded = time } else { outcome = .presented }
                }
            }
            scratch.responses.append(GenResponseRecord(presented: presented, responded: responded, item: 100 + category, channel: channel, outcome: outcome))
        }
    }
}

// MARK: - Attributes and output

extension PopulationGenerator {
    /// Custom attributes for some clients, as a JSON object (or nil).
    func makeAttributes(_ client: GenClientProfile, _ timeline: GenTimeline, _ rng: inout GeneratorRandom) -> String? {
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
            for channel in 0..<GenChannel.names.count where client.consents & (1 << UInt16(channel)) != 0 {
                if !first { out.bytes.append(UInt8(ascii: ";")) }
                out.raw(GenChannel.names[channel])
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
