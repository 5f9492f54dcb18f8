internal import WaymarkCore
import Foundation

// MARK: - Clients, households and accounts

extension PopulationGenerator {
    /// Households and business accounts are runs of consecutive clients inside blocks of 8,
    /// laid out from the block's own random stream, so any client finds its group alone.
    func groupLayout(of index: Int) -> (head: Int, kind: GenGroupKind, position: Int) {
        let blockSize = 8
        let blockStart = index - index % blockSize
        var rng = SeededGenerator(seed: configuration.seed, index: UInt64(blockStart / blockSize), stream: GenStream.layout)
        var start = blockStart
        while start < blockStart + blockSize {
            let u = rng.uniformHalfOpen()
            let kind: GenGroupKind
            let size: Int
            if u < 0.85 {
                kind = .single
                size = 1
            } else if u < 0.98 {
                kind = .household
                let v = rng.uniformHalfOpen()
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
        var shared = SeededGenerator(seed: configuration.seed, index: UInt64(layout.head), stream: GenStream.household)
        let ladder = configuration.flavour == .mixed && !shared.chance(parameters.mixedAdvisorShare) ? 1 : 0
        let isAdvisor = ladders[ladder].flavour == .advisor
        let span = Double(endSecond - startSecond)
        let growth = parameters.acquisitionGrowthPerYear * span / genSecondsPerYear
        let u = shared.uniformHalfOpen()
        let fraction = growth > 1e-9 ? log1p(u * expm1(growth)) / growth : u
        let headFirstSeen = startSecond + Int64(fraction * span)
        let headAge = isAdvisor ? 42 + 14 * shared.polarNormal() : 38 + 12 * shared.polarNormal()
        let region = shared.weightedIndex(genRegionWeights)
        let segmentDraw = shared.uniformHalfOpen()
        let segment: String
        if layout.kind == .business {
            segment = "smb"
        } else if isAdvisor {
            segment = segmentDraw < 0.62 ? "mass" : segmentDraw < 0.92 ? "affluent" : "private"
        } else {
            segment = segmentDraw < 0.75 ? "mass" : "affluent"
        }

        var rng = SeededGenerator(seed: configuration.seed, index: UInt64(index), stream: GenStream.person)
        var firstSeen = headFirstSeen
        if layout.position > 0 {
            let joined = headFirstSeen + Int64(rng.uniformHalfOpen() * 365 * Double(genSecondsPerDay))
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
            age = headAge + 4 * rng.polarNormal()
            role = "partner"
        case (.household, _):
            age = headAge - (24 + 10 * rng.uniformHalfOpen())
            role = "child"
            if age < minimumAge {
                age = headAge + 4 * rng.polarNormal()
                role = "member"
            }
        case (.business, 0):
            age = 45 + 10 * rng.polarNormal()
            role = "decision_maker"
        case (.business, _):
            age = 38 + 10 * rng.polarNormal()
            role = rng.chance(0.7) ? "influencer" : "user"
        }
        age = min(max(age, minimumAge), 95)
        let birthSecond = endSecond - Int64(age * genSecondsPerYear)

        var consents: UInt16 = 0
        let consentShares: [(Channel, Double)] = isAdvisor
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
    func makeEvents(_ client: GenClientProfile, _ rng: inout SeededGenerator, _ scratch: inout GeneratorScratch) {
        func add(_ kind: Int, atAge age: Double, detail: Int = 0) {
            let time = client.birthSecond + Int64(age * genSecondsPerYear)
            if time >= client.firstSeen && time < endSecond {
                scratch.events.append(GenEventRecord(time: time, kind: kind, detail: detail))
            }
        }
        var jobAge = 18 + 8 * rng.uniformHalfOpen()
        if rng.chance(0.45) {
            let graduationAge = 21 + 3 * rng.uniformHalfOpen()
            add(GenEventKind.graduation, atAge: graduationAge)
            jobAge = graduationAge + 0.1 + 0.9 * rng.uniformHalfOpen()
        }
        if rng.chance(0.85) { add(GenEventKind.firstJob, atAge: jobAge) }
        let married = rng.chance(0.55)
        let marriageAge = min(max(31 + 5 * rng.polarNormal(), 21), 60)
        if married { add(GenEventKind.marriage, atAge: marriageAge) }
        if married || rng.chance(0.2) {
            let draw = rng.uniformHalfOpen()
            let children = draw < 0.25 ? 0 : draw < 0.6 ? 1 : draw < 0.9 ? 2 : 3
            var childAge = married ? marriageAge + 1 + 4 * rng.uniformHalfOpen() : 26 + 12 * rng.uniformHalfOpen()
            for number in 0..<children where childAge <= 45 {
                add(GenEventKind.childBorn, atAge: childAge, detail: number + 1)
                childAge += 1.5 + 2.5 * rng.uniformHalfOpen()
            }
        }
        if rng.chance(0.6) {
            add(GenEventKind.homePurchase, atAge: min(max(33 + 6 * rng.polarNormal(), 23), 60), detail: 1)
            for _ in 0..<rng.populationPoisson(mean: 1) { add(GenEventKind.homePurchase, atAge: 30 + 40 * rng.uniformHalfOpen(), detail: 0) }
        }
        for _ in 0..<rng.populationPoisson(mean: 2) {
            add(GenEventKind.relocation, atAge: 20 + 55 * rng.uniformHalfOpen(), detail: rng.weightedIndex(genRegionWeights))
        }
        if rng.chance(client.group == .business && client.isHead ? 0.7 : 0.07) {
            add(GenEventKind.businessStarted, atAge: 25 + 30 * rng.uniformHalfOpen(), detail: rng.int(in: 1...25))
        }
        if rng.chance(0.9) { add(GenEventKind.retirementApproaching, atAge: 58 + 4 * rng.uniformHalfOpen()) }
        scratch.events.sort { $0.time < $1.time }
    }
}
