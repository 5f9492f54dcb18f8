internal import Foundation

extension JourneyMap {
    /// The map for people: the stages, then the flows, then each cohort's stages.
    package func table() -> String {
        var out = "Journeys as of \(setup.asOf)" + (setup.since.map { ", changes since \($0)" } ?? "")
        out += ": \(overall.clients) clients, \(overall.changes) changes of stage; conversion = a purchase within \(setup.conversionDays) days of entering the stage\n\n"
        out += stagesTable(overall)
        out += "\nFlows between stages (clients who moved; both directions)\n"
        if overall.flows.isEmpty { out += "  none\n" } else {
            var rows = [["from", "to", "clients"]]
            for flow in overall.flows { rows.append([flow.from, flow.to, String(flow.clients)]) }
            out += numberTable(rows)
        }
        for cohort in cohorts {
            out += "\n\(setup.by ?? "cohort") \(cohort.name): \(cohort.figures.clients) clients, \(cohort.figures.changes) changes\n"
            out += stagesTable(cohort.figures)
        }
        return out
    }

    private func stagesTable(_ figures: Figures) -> String {
        var rows = [["stage", "entered here", "entered", "now", "left to lapsed", "median days", "converted", "conversion"]]
        for s in figures.stages {
            rows.append([s.stage, String(s.entries), String(s.entered), String(s.now), String(s.exits),
                         s.medianDays.map { String(format: "%.1f", $0) } ?? "-",
                         "\(s.converted)/\(s.observedStays)", s.conversionRate.map { String(format: "%.1f %%", $0 * 100) } ?? "-"])
        }
        return numberTable(rows)
    }
}
