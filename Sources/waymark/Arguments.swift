import ArgumentParser
import WaymarkLifetime

/// `--model bgnbd|mbgnbd`: the lifetime model kind, parsed as itself.
extension LifetimeModelKind: ExpressibleByArgument {}
