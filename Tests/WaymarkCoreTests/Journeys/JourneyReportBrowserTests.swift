import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import WaymarkCore
@testable import WaymarkReports

/// The journey report and the client's timeline page render in headless Chromium, with their charts.
@Suite("Journey HTML in a browser")
struct JourneyReportBrowserTests {
    /// The page as XML (the doctype and the void meta tag made XML).
    static func document(_ page: String) throws -> XMLDocument {
        let xml = page.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
            .replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "<meta charset=\"utf-8\"/>")
        return try XMLDocument(xmlString: xml, options: [])
    }

    /// Screenshots `page` in headless Chromium at 1200 × `height` and checks the PNG's signature and
    /// size; its bytes, nil (and an issue) without a browser.
    static func screenshot(_ page: String, height: Int) throws -> Data? {
        guard let browser = EvaluationBrowserTests.chromium() else {
            Issue.record("headless Chromium is not installed and could not be installed (apt-get install chromium); the screenshot check did not run")
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waymark-journey-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = directory.appendingPathComponent("report.html"), png = directory.appendingPathComponent("report.png")
        try Data(page.utf8).write(to: html)
        let status = EvaluationBrowserTests.run(browser, [
            "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--user-data-dir=\(directory.path)/profile",
            "--screenshot=\(png.path)", "--window-size=1200,\(height)", html.absoluteString,
        ])
        #expect(status == 0)
        let image = try Data(contentsOf: png)
        #expect(image.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let width = image[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let shotHeight = image[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1200 && shotHeight == height)
        return image
    }

    @Test("the journey report renders in headless Chromium with its flow chart: a band per flow and entry, a node per stage and side")
    func journeyReport() throws {
        let map = JourneyMapTests.map(by: .segment)
        let page = map.html()
        let document = try Self.document(page)
        let bands = try document.nodes(forXPath: "//*[local-name()='svg'][@id='flow-chart']/*[local-name()='path'][@class='flow']")
        // 6 flows + entries into prospect and active.
        #expect(bands.count == 8)
        let fromProspect = try document.nodes(forXPath: "//*[local-name()='path'][@class='flow'][@data-from='prospect'][@data-to='onboarding']")
        #expect(fromProspect.count == 1)
        #expect(fromProspect.first?.stringValue == "prospect → onboarding: 2")
        let left = try document.nodes(forXPath: "//*[local-name()='rect'][@class='node'][@data-side='from']")
        let right = try document.nodes(forXPath: "//*[local-name()='rect'][@class='node'][@data-side='to']")
        #expect(left.count == 5)  // entered, prospect, onboarding, active, at_risk (lapsed has no move out)
        #expect(right.count == 5) // prospect (entries), onboarding, active, at_risk, lapsed
        #expect(try document.nodes(forXPath: "//*[local-name()='table'][@class='stages']").count == 3) // overall + 2 cohorts
        #expect(try document.nodes(forXPath: "//*[local-name()='script']").isEmpty)
        guard let image = try Self.screenshot(page, height: 1400) else { return }
        #expect(image.count > 30_000) // a blank page compresses to a few KB
        if let keep = ProcessInfo.processInfo.environment["WAYMARK_JOURNEY_SCREENSHOT"] { try? image.write(to: URL(fileURLWithPath: keep)) }
    }

    @Test("profile --report's page draws a span per stay and a mark per timeline entry, and renders in Chromium")
    func timelineReport() throws {
        let report = ClientTimelineReport(
            clientID: "C1", asOf: "2025-12-31", stage: "active",
            facts: [("stage", "active since 2025-08-18")],
            stages: [.init(date: "2025-03-01", stage: "onboarding", reason: "first purchase"),
                     .init(date: "2025-01-01", stage: "prospect", reason: "no purchase yet"),
                     .init(date: "2025-08-18", stage: "active", reason: "buying at the usual pace")],
            entries: [.init(at: "2025-03-01T10:00:00Z", what: "purchase", channel: "store", detail: "Index fund (fund), 100.00"),
                      .init(at: "2025-05-02T09:30:00Z", what: "interaction", channel: "email", detail: "open"),
                      .init(at: "2025-06-10", what: "life event", channel: nil, detail: "child_born"),
                      .init(at: "2025-08-18T12:00:00Z", what: "purchase", channel: "web", detail: "Insurance <b>, 20.00")])
        let page = report.html()
        let document = try Self.document(page)
        let stays = try document.nodes(forXPath: "//*[local-name()='svg'][@id='timeline-chart']/*[local-name()='rect'][@class='stay']")
        #expect(stays.count == 3)
        #expect(try document.nodes(forXPath: "//*[local-name()='rect'][@class='stay'][1]/@data-stage").first?.stringValue == "prospect")
        #expect(try document.nodes(forXPath: "//*[local-name()='circle'][@class='mark'][@data-lane='purchase']").count == 2)
        #expect(try document.nodes(forXPath: "//*[local-name()='circle'][@class='mark']").count == 4)
        #expect(page.contains("Insurance &lt;b&gt;"))  // values are escaped
        guard let image = try Self.screenshot(page, height: 900) else { return }
        #expect(image.count > 20_000)
    }
}
