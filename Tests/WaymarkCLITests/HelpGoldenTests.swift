import Foundation
import Testing

/// The help of every command is part of the product (STYLE.md §13): each page is compared with
/// its golden copy in Tests/WaymarkCLITests/Help/. After an intended change of a help text, run
/// `WAYMARK_UPDATE_HELP=1 swift test --filter HelpGoldenTests` and review the diff of the goldens.
@Suite struct HelpGoldenTests {
    /// Every command path of the shipped binary (a new command must be added here).
    static let commands: [[String]] = [
        [], ["migrate"], ["import"], ["generate"], ["catalog"], ["catalog", "check"], ["catalog", "load"],
        ["score"], ["recommend"], ["profile"], ["journeys"], ["export"], ["runs"], ["runs", "list"], ["runs", "show"],
        ["runs", "prune"], ["serve"], ["evaluate"], ["clv"], ["clv", "fit"], ["explain"], ["decisions"], ["uplift"], ["what-if"],
    ]

    static func golden(_ command: [String]) -> URL {
        CLIHarness.packageRoot.appendingPathComponent("Tests/WaymarkCLITests/Help")
            .appendingPathComponent((command.isEmpty ? "waymark" : "waymark-" + command.joined(separator: "-")) + ".txt")
    }

    @Test(arguments: commands)
    func helpMatchesItsGoldenCopy(_ command: [String]) throws {
        // A fixed width: help is wrapped to the terminal's, and a test has none.
        let output = try CLIHarness.execute(CLIHarness.binary, ["help"] + command, stdin: nil,
                                            environment: ["PATH": "/usr/bin:/bin", "COLUMNS": "100"])
        #expect(output.status == 0, "waymark help \(command.joined(separator: " ")): \(output.stderr)")
        let page = output.stdout
        #expect(page.contains("USAGE:"))
        // Every command has an abstract (the root: an overview) and at least one example.
        #expect(page.contains("OVERVIEW:"), "no abstract for \(command)")
        #expect(page.contains("Example:\n") || page.contains("Examples:\n"), "no example in the help of \(command)")
        let url = Self.golden(command)
        if ProcessInfo.processInfo.environment["WAYMARK_UPDATE_HELP"] == "1" {
            try page.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        #expect(page == expected, "the help of \(command) changed: review it and update its golden copy (see the suite's doc comment)")
    }

    @Test func everyCommandOfTheBinaryIsCovered() throws {
        let root = try CLIHarness.execute(CLIHarness.binary, ["help"], stdin: nil, environment: ["PATH": "/usr/bin:/bin", "COLUMNS": "100"])
        let listed = root.stdout.components(separatedBy: "SUBCOMMANDS:").last ?? ""
        // Command lines: two spaces, a lower-case name, then its abstract after two or more spaces.
        for line in listed.split(separator: "\n") where line.hasPrefix("  ") && !line.hasPrefix("   ") {
            guard let name = line.split(separator: " ").first.map(String.init),
                  name.allSatisfy({ $0.isLowercase || $0 == "-" }), line.contains(name + "  ") else { continue }
            #expect(Self.commands.contains([name]), "waymark \(name) has no golden help page")
        }
    }
}
