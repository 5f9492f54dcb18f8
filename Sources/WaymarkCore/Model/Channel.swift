/// A contact channel. The raw value is the name used in files, catalogs and rules.
package enum Channel: String, CaseIterable, Sendable, Hashable, Comparable {
    case web, email, sms, phone, store, app, social, advisor, post

    /// The channel's bit in a `ChannelSet`.
    package var bit: UInt16 {
        switch self {
        case .web: 1 << 0
        case .email: 1 << 1
        case .sms: 1 << 2
        case .phone: 1 << 3
        case .store: 1 << 4
        case .app: 1 << 5
        case .social: 1 << 6
        case .advisor: 1 << 7
        case .post: 1 << 8
        }
    }

    /// Position in `allCases`, used for deterministic tie-breaks.
    package var ordinal: Int { Int(bit.trailingZeroBitCount) }

    package static func < (lhs: Channel, rhs: Channel) -> Bool { lhs.ordinal < rhs.ordinal }
}

/// A small set of channels (a bit set), e.g. a client's consents.
package struct ChannelSet: OptionSet, Sendable, Hashable {
    package var rawValue: UInt16
    package init(rawValue: UInt16) { self.rawValue = rawValue }

    package init(_ channels: some Sequence<Channel>) {
        self.init(rawValue: 0)
        for channel in channels { insert(channel) }
    }

    package func contains(_ channel: Channel) -> Bool { rawValue & channel.bit != 0 }

    package mutating func insert(_ channel: Channel) { rawValue |= channel.bit }

    /// The channels in the set, in `Channel.allCases` order.
    package var channels: [Channel] { Channel.allCases.filter { contains($0) } }
}
