import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import WaymarkCore
import WaymarkReports

/// Renders the HTML report in headless Chromium (Debian's `chromium` package) and checks the
/// screenshot, then parses the page as XML to check the SVG charts' structure.
@Suite("Evaluation HTML in a browser")
struct EvaluationBrowserTests {
    /// `chromium` or `chromium-browser` on the PATH (or WAYMARK_CHROMIUM). `scripts/test` installs
    /// Debian's `chromium` package when it is missing.
    static func chromium() -> String? {
        func find() -> String? {
            let environment = ProcessInfo.processInfo.environment
            if let given = environment["WAYMARK_CHROMIUM"], FileManager.default.isExecutableFile(atPath: given) { return given }
            let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin", "/usr/local/bin", "/snap/bin"]
            for directory in path {
                for name in ["chromium", "chromium-browser"] {
                    let candidate = "\(directory)/\(name)"
                    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                }
            }
            return nil
        }
        return find()
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test("the report renders in headless Chromium and its SVG is well-formed")
    func renders() throws {
        let page = EvaluationFixture.report().html()

        // Structure: the page is well-formed XML apart from the doctype; every chart is an <svg>.
        let xml = page.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
            .replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "<meta charset=\"utf-8\"/>")
        let document = try XMLDocument(xmlString: xml, options: [])
        let svgs = try document.nodes(forXPath: "//*[local-name()='svg']")
        #expect(svgs.count == 5)
        let bars = try document.nodes(forXPath: "//*[local-name()='svg'][@id='baselines-chart']/*[local-name()='rect'][@class='bar']")
        #expect(bars.count == 24)   // 6 methods × 4 metrics
        let whiskers = try document.nodes(forXPath: "//*[local-name()='svg'][@id='baselines-chart']/*[local-name()='path'][@class='ci']")
        #expect(whiskers.count == 12) // 6 methods × (hit rate, NDCG)
        let deciles = try document.nodes(forXPath: "//*[local-name()='svg'][@id='reliability-chart']/*[local-name()='circle'][@class='decile']")
        #expect(deciles.count == 4)   // 4 recommended offers: 4 non-empty deciles
        let diagonal = try document.nodes(forXPath: "//*[local-name()='svg'][@id='reliability-chart']/*[local-name()='polyline'][@class='diagonal']")
        #expect(diagonal.count == 1)
        let itemBars = try document.nodes(forXPath: "//*[local-name()='svg'][@id='items-chart']/*[local-name()='rect'][@class='item-bar']")
        #expect(itemBars.count == 8)  // 4 offers × (share of clients, hit rate)
        let points = try document.nodes(forXPath: "//*[local-name()='svg'][@id='calibration-chart']/*[local-name()='circle']")
        #expect(points.count == 16) // 2 series × 8 groups
        #expect(try document.nodes(forXPath: "//*[local-name()='script']").isEmpty)

        // Screenshot: a PNG of 1200 × 1600 (JourneyReportBrowserTests.screenshot checks it), and not blank.
        guard let image = try JourneyReportBrowserTests.screenshot(page, height: 1600) else { return }
        #expect(image.count > 30_000)
        if let keep = ProcessInfo.processInfo.environment["WAYMARK_EVAL_SCREENSHOT"] {
            try? image.write(to: URL(fileURLWithPath: keep))
        }
    }
}
