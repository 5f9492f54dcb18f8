internal import Foundation

/// A coordinate in an SVG chart: one decimal.
func svgNumber(_ value: Double) -> String { String(format: "%.1f", value) }

/// `value` with exactly `digits` decimals.
func fixedDigits(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

/// The colour of a lifecycle stage in every report (a stage keeps its colour from chart to chart).
func stageColor(_ stage: String) -> String {
    switch stage {
    case "prospect": "#5f6b7d"
    case "onboarding": "#2f6fde"
    case "active": "#1a7f37"
    case "loyal": "#9b59b6"
    case "at_risk": "#f29d38"
    case "lapsed": "#b42318"
    case "reactivated": "#0e9aa7"
    default: "#a07800"
    }
}
