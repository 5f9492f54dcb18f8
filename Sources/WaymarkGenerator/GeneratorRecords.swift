internal import WaymarkCore
import Foundation

// MARK: - Constants

enum GenStream {
    static let layout: UInt64 = 1
    static let household: UInt64 = 2
    static let person: UInt64 = 3
    static let timeline: UInt64 = 4
}

let genSecondsPerDay: Int64 = 86_400
let genSecondsPerYear = 31_557_600.0

/// Core's channels as the generator writes them (docs/formats.md): the name's bytes, looked up
/// by ordinal so that writing a row allocates nothing.
extension Channel {
    static let nameBytes: [[UInt8]] = Channel.allCases.map { Array($0.rawValue.utf8) }
    var bytes: [UInt8] { Self.nameBytes[ordinal] }
}

enum GenInteractionKind: Int {
    case visit, open, click, call, meeting, support, complaint, review, referral

    static let names: [[UInt8]] = ["visit", "open", "click", "call", "meeting", "support", "complaint", "review", "referral"].map { Array($0.utf8) }
    var bytes: [UInt8] { Self.names[rawValue] }
}

/// Core's response outcomes as the generator writes them.
extension Response.Outcome {
    static let nameBytes: [[UInt8]] = Response.Outcome.allCases.map { Array($0.rawValue.utf8) }
    var bytes: [UInt8] {
        switch self {
        case .presented: Self.nameBytes[0]
        case .opened: Self.nameBytes[1]
        case .accepted: Self.nameBytes[2]
        case .declined: Self.nameBytes[3]
        }
    }
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
    var channel: Channel
}

struct GenEventRecord {
    var time: Int64
    var kind: Int
    var detail: Int
}

struct GenInteractionRecord {
    var time: Int64
    var channel: Channel
    var kind: GenInteractionKind
    /// -1 none, 0..<100 a message, 100 + c the offer of category c.
    var item: Int
}

struct GenResponseRecord {
    var presented: Int64
    var responded: Int64 // -1 when none
    var item: Int
    var channel: Channel
    var outcome: Response.Outcome
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
