import ArgumentParser
import WaymarkCore
import WaymarkLifetime
import WaymarkStore

// Typed option values. Parsing a value never fails in the argument parser: each keeps the text as
// given and its parsed value (nil when malformed), so a command's `validate()` reports a malformed
// value in its own words, naming the option and giving an example, instead of the parser's generic
// "invalid value" message.

/// `--model bgnbd|mbgnbd` where the lifetime model kind is parsed as itself (`waymark clv fit`).
extension LifetimeModelKind: ExpressibleByArgument {}

/// A date option (`--as-of`, `--cutoff`, `--end`): YYYY-MM-DD, meaning its midnight UTC.
struct DateArgument: ExpressibleByArgument {
    let text: String
    /// Nil when `text` is not a date YYYY-MM-DD.
    let timestamp: Timestamp?

    init(argument: String) {
        text = argument
        timestamp = Timestamp(isoDate: argument)
    }

    var defaultValueDescription: String { text }
}

/// A shard option, K/N: the clients with hash(client_id) mod N = K.
struct ShardArgument: ExpressibleByArgument {
    let text: String
    /// The shard, or why `text` is not one.
    let shard: Result<Shard, StoreError>

    init(argument: String) {
        text = argument
        shard = Result { () throws(StoreError) -> Shard in try Shard(parsing: argument) }
    }

    var defaultValueDescription: String { text }
}

/// A lifetime model kind given as text (`waymark score --model`), checked in `validate()`.
struct ModelKindArgument: ExpressibleByArgument {
    let text: String
    /// Nil when `text` names no model.
    let kind: LifetimeModelKind?

    init(argument: String) {
        text = argument
        kind = LifetimeModelKind(rawValue: argument)
    }

    var defaultValueDescription: String { text }
}
