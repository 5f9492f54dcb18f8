internal import WaymarkCore

/// The Gamma-Gamma model as the engine's spend model.
package struct GammaGammaSpend: SpendBehaviourModel {
    package var model: GammaGammaModel

    package init(model: GammaGammaModel) {
        self.model = model
    }

    package func expectedAverageSpend(frequency: Double, averageSpend: Double) -> Double {
        let value = model.expectedAverageSpend(frequency: Int(frequency.rounded()), averageSpend: averageSpend)
        return value.isFinite ? value : averageSpend
    }
}
