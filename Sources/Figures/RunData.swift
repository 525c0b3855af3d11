import Foundation
import Store

/// What the figures need from one run file (docs/run-file.md), read once.
///
/// The file is checked first (``RunFileLayout``): a damaged or hand-edited file gives a
/// ``RunFileError`` naming the dataset, so the figure builders can rely on every per-step dataset
/// having a row per recorded step and on the instance counts agreeing. Every per-step dataset is
/// cut to the rows of `/steps`, so a run that is still being written reads consistently (a row is
/// complete once its step is written). Whatever the file lacks is empty or nil: the figure
/// builders say what is missing.
package struct RunData: Sendable {
    /// The file as the caller named it.
    package let path: String
    /// The name shown in legends and titles: `--label`, else the root attribute `objective`,
    /// else the file name.
    package var label: String
    /// The root attribute `objective` (e.g. `npo+kl`), or nil.
    package let objective: String?
    /// A relearning run (`gscope relearn`): the objective of the unlearned model it attacked
    /// (root attribute `relearned_objective`) and the risk set of the whole forget split
    /// (`relearn_risk_set`); nil otherwise.
    package let relearnedObjective: String?, relearnRiskSet: String?
    /// The root attribute `status` (`running`, `complete`, `diverged at step N`,
    /// `interrupted at step N`), or nil when the file has none.
    package let status: String?
    /// The root attributes `forget_nll_before/after`, `retain_nll_before/after` (NaN when absent).
    package let answerNLL: AnswerNLL
    /// The recorded steps t (`/steps`).
    package let steps: [Int]
    /// The risk sets in plotting order: `forget`, `retain`, then the others sorted.
    package let riskSets: [String]
    /// R(θ_t) per risk set (`/risk/<set>/value`).
    package let risk: [String: [Double]]
    /// The G-effect totals per risk set (`/geffect/<set>/total`).
    package let geffectTotal: [String: [Double]]
    /// The G-effect per layer group, [S, groups], per risk set (`/geffect/<set>/group`).
    package let geffectGroups: [String: Matrix]
    /// The G-effect of the forget term ⟨∇R, γ∇L_f⟩ per risk set (`/geffect/<set>/term/forget`).
    package let geffectTermForget: [String: [Double]]
    /// The G-effect of the retain term ⟨∇R, α∇L_r⟩ per risk set (`/geffect/<set>/term/retain`;
    /// absent for objectives without a retain term).
    package let geffectTermRetain: [String: [Double]]
    /// The names of the layer groups (the `names` attribute of `/geffect/<set>/group`).
    package let groupNames: [String]
    /// The G-effect per transformer block, [S, L], per risk set (`/geffect/<set>/block`).
    package let geffectBlocks: [String: Matrix]
    /// The G-effect per attention head, one [L, H] matrix per recorded step, per risk set
    /// (`/geffect/<set>/head`; empty for older files).
    package let geffectHeads: [String: [Matrix]]
    /// The per-instance PG-effects, [S, N], per risk set (`/pgeffect/<set>/instance`).
    package let pgeffectInstance: [String: Matrix]
    /// The forget term's G-effect split by instance, [S, N], per risk set (`/geffect/<set>/instance`).
    package let geffectInstance: [String: Matrix]
    /// The steps the forget × set interference was measured at (`/interference/steps`; [] when none).
    package let interferenceSteps: [Int]
    /// The interference `I[i, j]`, one [N_f, N_set] matrix per step of `interferenceSteps`, per
    /// set (`/interference/<set>/instance`).
    package let interference: [String: [Matrix]]
    /// Each item's author or chain, per set, when the file says (`/data/<set>/author`, `group`).
    package let itemGroups: [String: [String]]
    /// The group of every measured forget instance (`/data/forget/group`: Markov's forget1,
    /// forget2), or nil.
    package let forgetGroups: [String]?
    /// The objective's instance weights, [S, N] (`/weights/instance`; NaN where none).
    package let instanceWeights: Matrix?
    /// The token weights, one [N, T] matrix per recorded step (`/weights/token`).
    package let tokenWeights: [Matrix]
    /// The update effects u per risk set (`/update_effect/<set>/total`; NaN in the last row).
    package let updateEffect: [String: [Double]]
    /// The update numbers of `/train/step` and their learning rates (`/train/lr`).
    package let trainSteps: [Int]
    /// The learning rate of each update in `trainSteps`.
    package let learningRates: [Double]
    /// The evaluations (`/eval`), or nil when the run has none.
    package let evaluation: Evaluation?

    /// The answer NLLs of the whole forget set and of the first 200 retain items before and after
    /// the run (root attributes; the `after` ones NaN until the run completes).
    package struct AnswerNLL: Sendable, Equatable {
        /// `forget_nll_before`.
        package let forgetBefore: Double
        /// `forget_nll_after`.
        package let forgetAfter: Double
        /// `retain_nll_before`.
        package let retainBefore: Double
        /// `retain_nll_after`.
        package let retainAfter: Double
    }

    /// `/eval`: the evaluated steps, every metric's trajectory and the group's numeric attributes.
    package struct Evaluation: Sendable {
        /// The evaluated steps (`/eval/steps`).
        package let steps: [Int]
        /// Every 1-D metric beside `/eval/steps`, by name (`forget_quality`, `kl_retain`, …).
        package let metrics: [String: [Double]]
        /// The numeric attributes of `/eval` (`bayes_kl_<group>`, `retrained_kl_<group>`, …).
        package let attributes: [String: Double]
    }

    /// A relearning run's legend: `--label` when given, else the objective it attacked.
    var relearnedLabel: String { label != objective ? label : relearnedObjective ?? label }

    /// The realised change R(θ_{t'}) − R(θ_t) of `set` between consecutive recorded steps t < t'.
    package func realisedRiskChange(_ set: String) -> [Double] {
        guard let values = risk[set], values.count >= 2 else { return [] }
        return (1..<values.count).map { values[$0] - values[$0 - 1] }
    }

    /// The summed learning rate of the updates that lead from recorded step `steps[k]` to
    /// `steps[k + 1]` (the updates numbered steps[k]+1 … steps[k+1]), or nil when `/train` lacks one.
    package func learningRateSum(fromRecordedIndex k: Int) -> Double? {
        guard k + 1 < steps.count, steps[k + 1] - steps[k] <= trainSteps.count else { return nil }
        var sum = 0.0
        for update in (steps[k] + 1)...max(steps[k + 1], steps[k] + 1) {
            guard let position = trainSteps.firstIndex(of: update), position < learningRates.count else { return nil }
            sum += learningRates[position]
        }
        return sum
    }

    /// The position in `steps` of recorded step `step`, or of the last recorded step when nil.
    func recordedPosition(of step: Int?) throws(FigureUnavailable) -> Int {
        guard let step else {
            guard !steps.isEmpty else { throw FigureUnavailable("\(path) has no recorded step") }
            return steps.count - 1
        }
        guard let k = steps.firstIndex(of: step) else {
            throw FigureUnavailable(
                "step \(step) is not recorded in \(path) (recorded: \(steps.map(String.init).joined(separator: ",")))")
        }
        return k
    }

    /// The `q`-quantiles (each 0 ≤ q ≤ 1) of every recorded step's instance weights: one row per
    /// recorded step, one column per entry of `q`, each over the finite weights of that step
    /// (linear interpolation between order statistics, numpy's default; NaN when a step has none).
    /// Nil when the file has no `/weights/instance`.
    package func instanceWeightQuantiles(_ q: [Double]) -> Matrix? {
        guard let weights = instanceWeights else { return nil }
        let values = (0..<weights.rows).flatMap { row in q.map { Quantiles.of(weights.row(row), $0) } }
        return Matrix(rows: weights.rows, columns: q.count, values: values)
    }

    /// Reads `path`. Throws ``RunFileError`` when its datasets do not fit together,
    /// ``StoreError`` when it is not a readable HDF5 file.
    package init(path: String, label: String? = nil) throws {
        self = try RunFileLayout.reading(path) { file, layout in try RunData(file: file, layout: layout, label: label) }
    }

    /// Reads the open file `file`, which `layout` describes.
    private init(file: H5File, layout: RunFileLayout, label: String?) throws {
        let path = file.path
        let root = file.root
        let reader = NumberReader(root: root)
        self.path = path
        objective = root.hasAttribute("objective") ? try root.stringAttribute("objective") : nil
        self.label = label ?? objective ?? URL(fileURLWithPath: path).lastPathComponent
        status = root.hasAttribute("status") ? try root.stringAttribute("status") : nil
        relearnedObjective = root.hasAttribute("relearned_objective") ? try root.stringAttribute("relearned_objective") : nil
        relearnRiskSet = root.hasAttribute("relearn_risk_set") ? try root.stringAttribute("relearn_risk_set") : nil
        func rootNumber(_ name: String) throws -> Double { root.hasAttribute(name) ? try root.doubleAttribute(name) : .nan }
        answerNLL = AnswerNLL(
            forgetBefore: try rootNumber("forget_nll_before"), forgetAfter: try rootNumber("forget_nll_after"),
            retainBefore: try rootNumber("retain_nll_before"), retainAfter: try rootNumber("retain_nll_after"))
        steps = layout.steps
        let rows = steps.count

        let found = root.contains("risk") ? try root.group("risk").memberNames() : []
        riskSets =
            found.filter { $0 == "forget" } + found.filter { $0 == "retain" }
            + found.filter { $0 != "forget" && $0 != "retain" }
        var risk: [String: [Double]] = [:], total: [String: [Double]] = [:], update: [String: [Double]] = [:]
        var groups: [String: Matrix] = [:], blocks: [String: Matrix] = [:], pg: [String: Matrix] = [:]
        var instance: [String: Matrix] = [:], heads: [String: [Matrix]] = [:]
        var termForget: [String: [Double]] = [:], termRetain: [String: [Double]] = [:]
        var groupNames: [String] = []
        for set in riskSets {
            risk[set] = try reader.vector("risk/\(set)/value", rows: rows)
            total[set] = try reader.vector("geffect/\(set)/total", rows: rows)
            update[set] = try reader.vector("update_effect/\(set)/total", rows: rows)
            termForget[set] = try reader.vector("geffect/\(set)/term/forget", rows: rows)
            termRetain[set] = try reader.vector("geffect/\(set)/term/retain", rows: rows)
            groups[set] = try reader.matrix("geffect/\(set)/group", rows: rows)
            blocks[set] = try reader.matrix("geffect/\(set)/block", rows: rows)
            pg[set] = try reader.matrix("pgeffect/\(set)/instance", rows: rows)
            instance[set] = try reader.matrix("geffect/\(set)/instance", rows: rows)
            heads[set] = try reader.slices("geffect/\(set)/head", rows: rows)
            if groupNames.isEmpty, root.contains("geffect/\(set)/group") {
                groupNames = try root.dataset("geffect/\(set)/group").stringArrayAttribute("names")
            }
        }
        self.risk = risk.filter { !$0.value.isEmpty }
        geffectTotal = total.filter { !$0.value.isEmpty }
        updateEffect = update.filter { !$0.value.isEmpty }
        geffectTermForget = termForget.filter { !$0.value.isEmpty }
        geffectTermRetain = termRetain.filter { !$0.value.isEmpty }
        geffectGroups = groups.compactMapValues { $0 }
        geffectBlocks = blocks.compactMapValues { $0 }
        pgeffectInstance = pg.compactMapValues { $0 }
        geffectInstance = instance.compactMapValues { $0 }
        geffectHeads = heads.filter { !$0.value.isEmpty }
        forgetGroups = root.contains("data/forget/group") ? try root.readStrings("data/forget/group") : nil
        interferenceSteps = layout.interferenceSteps
        var interference: [String: [Matrix]] = [:], itemGroups: [String: [String]] = [:]
        let interferenceSets = root.contains("interference") ? try root.group("interference").memberNames() : []
        for set in interferenceSets where set != "steps" {
            interference[set] = try reader.slices("interference/\(set)/instance", rows: interferenceSteps.count)
        }
        for set in Set(interferenceSets + ["forget"]) {
            if root.contains("data/\(set)/group") {
                itemGroups[set] = try root.readStrings("data/\(set)/group")
            } else if root.contains("data/\(set)/author") {
                itemGroups[set] = try reader.vector("data/\(set)/author", rows: Int.max).map {
                    $0.isFinite && abs($0) < 1e15 ? "author \(Int($0))" : "author ?"   // a hand-edited file may hold anything
                }
            }
        }
        self.interference = interference.filter { !$0.value.isEmpty }
        self.itemGroups = itemGroups
        self.groupNames = groupNames
        instanceWeights = try reader.matrix("weights/instance", rows: rows)
        tokenWeights = try reader.slices("weights/token", rows: rows)
        trainSteps = layout.trainSteps
        learningRates = root.contains("train/lr") ? try reader.numbers("train/lr").values : []
        evaluation = try Self.readEvaluation(root, steps: layout.evalSteps, reader: reader)
    }

    private static func readEvaluation(_ root: H5Group, steps: [Int]?, reader: NumberReader) throws -> Evaluation? {
        guard let steps else { return nil }
        let group = try root.group("eval")
        var metrics: [String: [Double]] = [:]
        for name in try group.memberNames() where name != "steps" {
            guard try group.kind(of: name) == .dataset,
                let type = try group.dataset(name).elementType(), type != .string,
                try group.dataset(name).shape().count == 1
            else { continue }
            metrics[name] = try reader.vector("eval/\(name)", rows: steps.count)
        }
        var attributes: [String: Double] = [:]
        for name in try group.attributeNames() {
            if let value = try? group.doubleAttribute(name) { attributes[name] = value }
        }
        return Evaluation(steps: steps, metrics: metrics, attributes: attributes)
    }
}
