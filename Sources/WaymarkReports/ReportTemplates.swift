internal import Foundation
internal import Mustache

/// The report templates, compiled once from the target's `Templates/` resources.
///
/// A missing or malformed template is a packaging bug, not an input error: it stops the program.
enum ReportTemplates {
    static let evaluationReport = load("evaluation-report")
    static let barChart = load("bar-chart")
    static let calibrationChart = load("calibration-chart")
    static let reliabilityChart = load("reliability-chart")
    static let itemChart = load("item-chart")
    static let journeyReport = load("journey-report")
    static let flowChart = load("flow-chart")
    static let stagesTable = load("stages")
    static let profileReport = load("profile-report")
    static let timelineChart = load("timeline-chart")
    static let experimentReport = load("experiment-report")

    private static func load(_ name: String) -> MustacheTemplate {
        guard let url = Bundle.module.url(forResource: name, withExtension: "mustache", subdirectory: "Templates"),
              let source = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("the \(name).mustache template is missing from the WaymarkReports bundle") }
        do {
            return try MustacheTemplate(string: source)
        } catch {
            fatalError("the \(name).mustache template does not parse: \(error)")
        }
    }
}
