import Figures

/// What `sweep.h5` keeps of one finished run file: the per-step numbers it collects and the final
/// values, taken from a ``RunData`` and nothing more (no per-instance or per-token tables), so
/// that a sweep of hundreds of runs holds only these in memory.
package struct RunNumbers: Sendable {
    /// The recorded steps t (`/steps`).
    package let steps: [Int]
    /// The risk sets in order: `forget`, `retain`, then the others sorted.
    package let riskSets: [String]
    /// R(θ_t) per risk set.
    package let risk: [String: [Double]]
    /// The G-effect totals per risk set.
    package let geffectTotal: [String: [Double]]
    /// The G-effects per layer group, [S, groups], per risk set; columns named by ``groupNames``.
    package let geffectGroups: [String: Matrix]
    /// The layer-group names of ``geffectGroups``' columns.
    package let groupNames: [String]
    /// The forget term's G-effect per risk set.
    package let geffectTermForget: [String: [Double]]
    /// The retain term's G-effect per risk set.
    package let geffectTermRetain: [String: [Double]]
    /// [S, 5]: the min, quartiles and max of every recorded step's instance weights
    /// (``SweepCollection/weightQuantileLevels``), or nil without `/weights/instance`.
    package let weightQuantiles: Matrix?
    /// The evaluated steps (`/eval/steps`), [] without evaluations.
    package let evalSteps: [Int]
    /// Every evaluation metric's trajectory, by name.
    package let evalMetrics: [String: [Double]]
    /// The answer NLLs before and after the run (root attributes).
    package let answerNLL: RunData.AnswerNLL

    /// The numbers of `data`.
    package init(_ data: RunData) {
        steps = data.steps
        riskSets = data.riskSets
        risk = data.risk
        geffectTotal = data.geffectTotal
        geffectGroups = data.geffectGroups
        groupNames = data.groupNames
        geffectTermForget = data.geffectTermForget
        geffectTermRetain = data.geffectTermRetain
        weightQuantiles = data.instanceWeightQuantiles(SweepCollection.weightQuantileLevels)
        evalSteps = data.evaluation?.steps ?? []
        evalMetrics = data.evaluation?.metrics ?? [:]
        answerNLL = data.answerNLL
    }
}
