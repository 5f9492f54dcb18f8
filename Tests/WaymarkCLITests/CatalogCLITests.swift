import Foundation
import Testing

@Suite("CLI: catalog check")
struct CatalogCLITests {
    static func example(_ name: String) -> String {
        CLIHarness.packageRoot.appendingPathComponent("catalog/examples/\(name)").path
    }

    @Test("the example catalogs validate: exit 0 and a one-line verdict on stdout", arguments: [
        ("financial-advisor.yaml", "OK: 9 offers, 8 messages, version 2024.06-advisor"),
        ("retail.yaml", "OK: 7 offers, 9 messages, version 2024.06-retail"),
    ])
    func examples(file: String, verdict: String) throws {
        let cli = try CLIHarness()
        let result = try cli.run(["catalog", "check", Self.example(file)])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix(verdict + "\n"), "\(result.stdout)")
        #expect(result.stdout.split(separator: "\n").last?.contains("product references") == true, "\(result.stdout)")
        #expect(!result.stderr.contains("error"))
    }

    /// A catalog with eight mistakes of seven kinds, each on its own line.
    static let broken = """
        version: "broken-1"
        name: Eight mistakes
        items:
          - id: offer-a
            kind: offer
            title: First
            category: savings
            channels: [email]
            when: purchse_count >= 1
            value: 10
          - id: offer-b
            kind: offer
            title: Second
            category: savings
            channels: [email]
            when: stage == 3
            value: 10
          - id: offer-c
            kind: offer
            titel: Third
            category: savings
            channels: [pigeon]
            when: owns("fund-index") &&
            value: 10
          - id: msg-d
            kind: message
            title: Fourth
            channels: [email]
            when: responded_within("msg-nowhere", "any", 30)
            template: "You have {{pionts}} points."
          - id: offer-a
            kind: offer
            title: Fifth
            category: savings
            channels: [email]
        """

    @Test("a catalog with several mistakes exits 2 and names every one with file:line:column")
    func mistakes() throws {
        let cli = try CLIHarness()
        let file = try cli.write("broken.yaml", Self.broken)
        let result = try cli.run(["catalog", "check", file])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        func expectError(at position: String, containing words: [String]) {
            let hit = lines.first { $0.hasPrefix("\(file):\(position): error: ") && words.allSatisfy($0.contains) }
            #expect(hit != nil, "expected an error at \(position) mentioning \(words); stderr:\n\(result.stderr)")
        }
        // An unknown fact in a rule, with the nearest known name.
        expectError(at: "9:11", containing: ["offer-a", "unknown fact 'purchse_count'", "did you mean 'purchase_count'"])
        // A rule that does not type-check, pointing at the operator.
        expectError(at: "16:17", containing: ["offer-b", "cannot compare 'string' with 'int'"])
        // An unknown key, with the nearest known one.
        expectError(at: "20:5", containing: ["offer-c", "unknown key 'titel'", "did you mean 'title'"])
        // An unknown channel, listing the known ones.
        expectError(at: "22:16", containing: ["unknown channel 'pigeon'", "email"])
        // A rule cut short, at its end.
        expectError(at: "23:32", containing: ["unexpected end of rule"])
        // A dangling item reference inside a rule, at the argument.
        expectError(at: "29:28", containing: ["msg-d", "unknown item id 'msg-nowhere'"])
        // An unknown template variable, inside the template.
        expectError(at: "30:25", containing: ["unknown value 'pionts'", "did you mean 'points'"])
        // A duplicate item id, naming the first definition.
        expectError(at: "31:9", containing: ["duplicate item id 'offer-a'", "first defined at 4:9"])
        #expect(lines.filter { $0.hasPrefix(file + ":") }.count == 8, "\(result.stderr)")
        #expect(lines.last == "8 errors in catalog")
    }

    @Test("a missing file exits 2 and says so; a missing argument is a usage error")
    func missingFile() throws {
        let cli = try CLIHarness()
        let path = cli.directory.appendingPathComponent("nowhere.yaml").path
        let result = try cli.run(["catalog", "check", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains(path) && result.stderr.contains("cannot read the file"))
        let usage = try cli.run(["catalog", "check"])
        #expect(usage.status == 64)
    }

    @Test("a readable device is read (an empty one is an empty catalog), a directory is named as one")
    func devicesAndDirectories() throws {
        let cli = try CLIHarness()
        let empty = try cli.run(["catalog", "check", "/dev/null"])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("empty") && !empty.stderr.contains("cannot read"), "\(empty.stderr)")
        let directory = try cli.run(["catalog", "check", cli.directory.path])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("is a directory"), "\(directory.stderr)")
        // `catalog load` and `evaluate --catalog` read the file the same way.
        #expect(try cli.run(["migrate"]).status == 0)
        let load = try cli.run(["catalog", "load", cli.directory.path])
        #expect(load.status == 2 && load.stderr.contains("is a directory") && load.stderr.contains("nothing was stored"), "\(load.stderr)")
        let loadEmpty = try cli.run(["catalog", "load", "/dev/null"])
        #expect(loadEmpty.status == 2 && loadEmpty.stderr.contains("empty") && !loadEmpty.stderr.contains("cannot read"), "\(loadEmpty.stderr)")
        let evaluate = try cli.run(["evaluate", "--cutoff", "2025-01-01", "--horizon", "30", "--catalog", cli.directory.path])
        #expect(evaluate.status == 2 && evaluate.stderr.contains("is a directory"), "\(evaluate.stderr)")
    }
}
