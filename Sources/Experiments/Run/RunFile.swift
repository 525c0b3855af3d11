import Datasets
import Foundation
import Instrumentation
import Model
import NumericCore
import Store
import Unlearning

/// The version written into every run file.
package let gscopeVersion = "0.5.0"

/// The HDF5 run file of an unlearning run, written as the run goes: every extendible dataset grows
/// by one row per step and the file is flushed once the step's rows are all written (its step
/// number last), so a killed run keeps every finished step. The layout is documented in docs/run-file.md.
///
/// The file is written in HDF5's single-writer/multiple-reader (SWMR) mode: every group, dataset
/// and attribute is created in ``init(path:config:model:objective:data:measuredForget:forgetGroups:forgetBatch:riskSets:exact:length:evaluation:answerNLLBefore:)``,
/// which then starts SWMR writing; from there on only rows are appended and attribute values
/// overwritten in place, so other processes can read the file at any moment. The root attribute
/// `status` says how far the run got: `running`, then `complete`, `diverged at step N` or
/// `interrupted at step N` (``finish(status:answerNLLAfter:)``).
package final class UnlearningRunFile {
    package let file: H5File
    private var train: TrainRows?
    private var record: RecordRows?
    private var evaluation: EvalRows?
    private var interference: InterferenceRows?
    /// The evaluation reports' JSON (TOFU) by step, written as `/eval/step-NNNNNN/eval_json`
    /// when the run ends: HDF5 1.10 cannot add groups to a file in SWMR mode.
    private var evaluationReports: [(step: Int, json: String)] = []

    /// The summary columns and `/eval` attributes of the run's evaluations (from the first one).
    package struct EvaluationLayout {
        package let names: [String]
        package let attributes: [(String, Double)]
        package init(names: [String], attributes: [(String, Double)]) {
            self.names = names
            self.attributes = attributes
        }
    }

    /// Creates the file (replacing one at `path`), writes everything known before step 1, creates
    /// every dataset and attribute the run will fill, and starts SWMR writing.
    /// `riskSets` are the recorded risk sets (none: no G-effects are recorded); `/data/<set>`
    /// holds the samples of each one but `forget`. `measuredForget` are the forget instances
    /// (indices into the forget split) whose per-instance values the run records; `/data/forget`
    /// holds those, with their group names (`forgetGroups`, one per forget-split sample, when the
    /// data has groups: Markov's forget1 and forget2), and `/data/refusal` their refusal answers
    /// when the objective reads them. `exact`: whether the G-effects are split by instance and
    /// token and update effects recorded (false in the paper's mode).
    /// `evaluation`: the `/eval` columns, when the run evaluates.
    package init(
        path: String, config: ExperimentConfig, model: any CausalLanguageModel, objective: UnlearningObjective,
        data: UnlearningData, measuredForget: [Int], forgetGroups: [String]? = nil, forgetBatch: Int, riskSets: [RiskSet],
        exact: Bool,
        length T: Int, evaluation evaluationLayout: EvaluationLayout? = nil,
        interference sets: [(name: String, items: Int)] = [], mask: UpdateMask? = nil, attributes: [(String, String)] = [],
        forgetSubset: (indices: [Int], splitSize: Int)? = nil,
        answerNLLBefore: (forget: Double, retain: Double) = (.nan, .nan)
    ) throws {
        file = try H5File.create(path, singleWriterMultipleReaders: true)
        let root = file.root
        try root.setAttribute("gscope_version", gscopeVersion)
        try root.setAttribute("config", config.resolvedYAML)
        try root.setAttribute("seed", config.seed)
        try root.setAttribute("blas_threads", config.threads)
        try root.setAttribute("blas", BLAS.configuration)
        // Issue 19 item 3: which kernels computed the run and why ("OpenBLAS 0.3.21 Haswell (pinned)"; docs/kernels.md).
        try root.setAttribute("kernels", BLAS.kernels)
        try root.setAttribute("created", Self.creationTime())
        try root.setAttribute("objective", objective.name)
        try root.setAttribute("status", Self.running)
        if !riskSets.isEmpty { try root.setAttribute("geffect_mode", exact ? "exact" : "paper") }
        try root.setAttribute("forget_nll_before", answerNLLBefore.forget)
        try root.setAttribute("retain_nll_before", answerNLLBefore.retain)
        // Filled when the run completes (NaN until then).
        try root.setAttribute("forget_nll_after", Double.nan)
        try root.setAttribute("retain_nll_after", Double.nan)
        for (name, value) in attributes { try root.setAttribute(name, value) }

        let m = try root.createGroup("model")
        let slots = model.layout.slots
        try m.write("tensor_names", slots.map(\.name))
        try m.write("tensor_block", slots.map { Int64($0.block ?? -1) })
        try m.write("tensor_group", slots.map(\.group.rawValue))
        try m.setAttribute("config", model.configurationJSON)

        let dataGroup = try root.createGroup("data")
        /// The measured forget instances (or their refusals), indexed in the whole forget split.
        func measured(_ split: [FormattedSample], _ name: String) -> RiskSet {
            RiskSet(
                name: name, samples: measuredForget.map { split[$0] },
                indices: forgetSubset.map { s in measuredForget.map { s.indices[$0] } } ?? measuredForget,
                splitSize: forgetSubset?.splitSize ?? split.count)
        }
        var stored = [measured(data.forget, "forget")]
        if objective.roles.contains(.refusal) { stored.append(measured(data.refusal, "refusal")) }
        stored += riskSets.filter { $0.name != "forget" && !$0.samples.isEmpty }
        for set in stored {
            try Self.writeSamples(set, padding: data.padding, length: T, into: dataGroup.createGroup(set.name))
        }
        if let groups = forgetGroups { try dataGroup.group("forget").write("group", measuredForget.map { groups[$0] }) }
        // A TOFU-shaped split holds each author's 20 questions in a row, authors in order.
        for set in stored where Self.isAuthorSplit(set.name, config.data) {
            try dataGroup.group(set.name).write("author", set.indices.map { Int64($0 / Self.questionsPerAuthor) })
        }

        let o = try root.createGroup("objective")
        try o.setAttribute("forget", objective.forget.name)
        try o.setAttribute("retain", objective.retain?.name ?? "none")
        try o.setAttribute("forget_weight", objective.forgetWeight)
        try o.setAttribute("retain_weight", objective.retainWeight)
        if let rmu = objective.forget as? RMU { try o.write("rmu_u", rmu.u) }
        if let mask {
            let m = config.optimizer.mask, group = try root.createGroup("mask")
            try group.setAttribute("method", m.method.rawValue)
            try group.setAttribute("ratio", m.ratio)
            try group.setAttribute("scope", m.scope.rawValue)
            try group.setAttribute("gamma", m.gamma)
            try group.setAttribute("kept", mask.keptCount)
            try group.createExtendible("keep", rowShape: [mask.keep.count], of: UInt8.self).append(mask.keep)
        }

        train = try TrainRows(
            root, forgetBatch: min(forgetBatch, data.forget.count), retainTerm: objective.retain != nil,
            l1: objective.sparsity != nil)
        record =
            riskSets.isEmpty
            ? nil
            : try RecordRows(
                root, sets: riskSets.map(\.name), layout: model.layout, blocks: model.blockCount,
                heads: model.blockUnits.first?.heads.count ?? 0,
                instances: measuredForget.count, length: T, retainTerm: objective.retain != nil, l1: objective.sparsity != nil,
                refusals: objective.forget.roles.contains(.refusal), exact: exact)
        evaluation = try evaluationLayout.map { try EvalRows(root, names: $0.names, attributes: $0.attributes) }
        interference = sets.isEmpty ? nil : try InterferenceRows(root, sets: sets, instances: measuredForget.count, length: T)
        try file.flush()
        try file.startSingleWriterMultipleReaders()
    }

    /// The questions per author of a TOFU-shaped split (TOFU's and the synthetic benchmark's).
    static let questionsPerAuthor = 20

    /// Whether the run's `set` (`forget`, `retain`) is a TOFU-shaped split of whole authors, not a
    /// file of the user's own or Markov sequences.
    static func isAuthorSplit(_ set: String, _ data: ExperimentConfig.DataConfig) -> Bool {
        guard data.kind == .qa else { return false }
        switch set {
        case "forget": return data.forgetFile == nil
        case "retain": return data.retainFile == nil
        default: return false
        }
    }

    /// Writes the samples of `set` padded to `length` into `group` as the model reads them:
    /// `tokens` (inputs), `targets` (the id each position predicts, −1 past the sample's end),
    /// `mask` (1 where the risk counts the target), `index` (the samples' places in their split)
    /// and the attribute `split_size`.
    private static func writeSamples(_ set: RiskSet, padding: Int32, length T: Int, into group: H5Group) throws {
        let batch = TokenBatch(samples: set.samples, indices: Array(set.samples.indices), padding: padding, fixedLength: T)
        try group.write("tokens", batch.tokens, shape: [batch.batch, T])
        try group.write("targets", batch.targets, shape: [batch.batch, T])
        try group.write("mask", batch.mask, shape: [batch.batch, T])
        try group.write("index", set.indices.map(Int64.init))
        try group.setAttribute("split_size", set.splitSize)
    }

    /// The `status` of a run still going (or killed without a chance to say so).
    package static let running = "running"
    /// The `status` of a run that did every step.
    package static let complete = "complete"

    /// Appends one optimiser step to `/train/…`.
    package func append(_ r: UnlearningStepRecord) throws { try train?.append(r) }

    /// Appends one recorded step θ_t: its measurement and, when the update θ_t → θ_{t+1} was made,
    /// its update effects (NaN otherwise).
    package func append(_ m: StepMeasurement, updateEffects: [UpdateEffect]?) throws {
        try record?.append(m, updateEffects)
    }

    /// Appends the interference measured at one recorded step to `/interference/…`.
    package func append(_ m: InterferenceMeasurement) throws { try interference?.append(m) }

    /// The time the run started, ISO 8601 in UTC. When `SOURCE_DATE_EPOCH` (seconds since 1970)
    /// is set it replaces the clock, as in reproducible builds: two runs of the same configuration
    /// and seed then give the same bytes.
    static func creationTime() -> String {
        let epoch = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(TimeInterval.init)
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: epoch.map(Date.init(timeIntervalSince1970:)) ?? Date())
    }

    /// Appends one evaluation at step `step`: its values as one row of `/eval/<name>` (columns
    /// not in the file's evaluation layout are left out) and keeps its report's JSON, if any, for
    /// `/eval/step-NNNNNN/eval_json`, written when the run ends.
    func appendEvaluation(step: Int, values: [(String, Double)], evalJSON: String?) throws {
        if let evalJSON { evaluationReports.append((step, evalJSON)) }
        try evaluation?.append(step: step, values: values)
    }

    /// Ends the run's file: sets `status` and, for a completed run, the answer NLLs after it,
    /// writes the evaluation reports kept so far, and closes the file.
    package func finish(status: String, answerNLLAfter: (forget: Double, retain: Double)? = nil) throws {
        let root = file.root
        try root.setAttribute("status", status)
        if let after = answerNLLAfter {
            try root.setAttribute("forget_nll_after", after.forget)
            try root.setAttribute("retain_nll_after", after.retain)
        }
        try closeRows()
        guard !evaluationReports.isEmpty else { return }
        // New groups need the file outside SWMR mode: reopened for a moment (readers that open it
        // meanwhile wait; see H5File.open).
        let reopened = try H5File.open(file.path, writable: true)
        let eval = try reopened.root.groupCreatingIfNeeded("eval")
        for report in evaluationReports {
            try eval.createGroup(String(format: "step-%06d", report.step)).write("eval_json", [report.json])
        }
        try reopened.close()
    }

    /// After a failure: marks the file `status` (best effort; a full disk may refuse even that),
    /// releases every dataset handle and closes the file, ignoring further errors, so that no
    /// HDF5 handle stays open.
    package func abandon(status: String) {
        try? file.root.setAttribute("status", status)
        try? closeRows()
    }

    /// Releases every dataset handle, then closes the file.
    private func closeRows() throws {
        train = nil
        record = nil
        evaluation = nil
        interference = nil
        try file.close()
    }

    package func setAttribute(_ name: String, _ value: Double) throws { try file.root.setAttribute(name, value) }

    /// Closes the file as it is (``finish(status:answerNLLAfter:)`` is the way to end a run).
    package func close() throws { try closeRows() }
}

/// `/train/…`: one row per optimiser step, about the step's own batch.
private struct TrainRows {
    let step: H5RowWriter<Int64>
    let lr, gradNorm, total, forget: H5RowWriter<Double>
    let retain, l1: H5RowWriter<Double>?
    let forgetIndex: H5RowWriter<Int64>, instanceWeight: H5RowWriter<Double>
    let forgetBatch: Int

    init(_ root: H5Group, forgetBatch: Int, retainTerm: Bool, l1 l1Term: Bool) throws {
        let g = try root.createGroup("train")
        lr = try g.createExtendible("lr", rowShape: [])
        gradNorm = try g.createExtendible("grad_norm", rowShape: [])
        total = try g.createExtendible("loss/total", rowShape: [])
        forget = try g.createExtendible("loss/forget", rowShape: [])
        retain = retainTerm ? try g.createExtendible("loss/retain", rowShape: []) : nil
        l1 = l1Term ? try g.createExtendible("loss/l1", rowShape: []) : nil
        forgetIndex = try g.createExtendible("forget_index", rowShape: [forgetBatch])
        instanceWeight = try g.createExtendible("instance_weight", rowShape: [forgetBatch])
        step = try g.createExtendible("step", rowShape: [])
        self.forgetBatch = forgetBatch
    }

    func append(_ r: UnlearningStepRecord) throws {
        let missing = forgetBatch - r.forgetIndices.count
        try forgetIndex.append(r.forgetIndices.map(Int64.init) + Array(repeating: -1, count: missing), flush: false)
        try instanceWeight.append(r.evaluation.forget.instanceWeights + Array(repeating: .nan, count: missing), flush: false)
        try lr.append([Double(r.learningRate)], flush: false)
        try gradNorm.append([r.gradientNorm], flush: false)
        try total.append([r.evaluation.loss], flush: false)
        try forget.append([r.evaluation.forget.value], flush: false)
        try retain?.append([r.evaluation.retain?.value ?? .nan], flush: false)
        try l1?.append([r.l1Penalty], flush: false)
        try step.append([Int64(r.step)])   // last, and flushes: a row is complete once its step is written
    }
}

/// The recorded steps: one row per measurement θ_t.
private struct RecordRows {
    struct PerSet {
        let value, gradNorm2, total, termForget, termRetain: H5RowWriter<Double>
        let termL1: H5RowWriter<Double>?
        let tensor, block, group, tiedInput, tiedOutput: H5RowWriter<Double>
        /// Per head [L, H], MLP unit group [L, 8] and block rest [L] (none without blocks).
        let head, mlpGroup, blockRest: H5RowWriter<Double>?
        /// Exact mode only.
        let exact: Exact?
        struct Exact {
            let updateTotal, updateTensor, instance, token, pg: H5RowWriter<Double>
            let refusalToken: H5RowWriter<Double>?
        }
    }
    let steps: H5RowWriter<Int64>
    let total, forget: H5RowWriter<Double>
    let retain, l1: H5RowWriter<Double>?
    let sets: [PerSet]
    let instanceWeight, tokenWeight, instanceNLL: H5RowWriter<Double>
    let layout: ParameterLayout, blocks: Int

    init(
        _ root: H5Group, sets names: [String], layout: ParameterLayout, blocks: Int, heads: Int, instances N: Int,
        length T: Int, retainTerm: Bool, l1 l1Term: Bool, refusals: Bool, exact: Bool
    ) throws {
        let P = layout.slots.count
        total = try root.createExtendible("loss/total", rowShape: [])
        forget = try root.createExtendible("loss/forget", rowShape: [])
        retain = retainTerm ? try root.createExtendible("loss/retain", rowShape: []) : nil
        l1 = l1Term ? try root.createExtendible("loss/l1", rowShape: []) : nil
        sets = try names.map { name in
            let risk = try root.groupCreatingIfNeeded("risk").createGroup(name)
            let ge = try root.groupCreatingIfNeeded("geffect").createGroup(name)
            let group = try ge.createExtendible("group", rowShape: [RiskMeasurement.groupNames.count], of: Double.self)
            try group.dataset.setAttribute("names", RiskMeasurement.groupNames)
            try group.dataset.setAttribute(
                "tied_embedding",
                "a tied wte.weight is split: its input side counts in embed, its output side in lm (see tied_input, tied_output)")
            var perInstance: PerSet.Exact?
            if exact {
                let up = try root.groupCreatingIfNeeded("update_effect").createGroup(name)
                perInstance = PerSet.Exact(
                    updateTotal: try up.createExtendible("total", rowShape: []),
                    updateTensor: try up.createExtendible("tensor", rowShape: [P]),
                    instance: try ge.createExtendible("instance", rowShape: [N]),
                    token: try ge.createExtendible("token", rowShape: [N, T]),
                    pg: try root.groupCreatingIfNeeded("pgeffect").createGroup(name).createExtendible("instance", rowShape: [N]),
                    refusalToken: refusals ? try ge.createExtendible("refusal_token", rowShape: [N, T]) : nil)
            }
            return PerSet(
                value: try risk.createExtendible("value", rowShape: []),
                gradNorm2: try risk.createExtendible("grad_norm2", rowShape: []),
                total: try ge.createExtendible("total", rowShape: []),
                termForget: try ge.createExtendible("term/forget", rowShape: []),
                termRetain: try ge.createExtendible("term/retain", rowShape: []),
                termL1: l1Term ? try ge.createExtendible("term/l1", rowShape: []) : nil,
                tensor: try ge.createExtendible("tensor", rowShape: [P]),
                block: try ge.createExtendible("block", rowShape: [max(blocks, 1)]),
                group: group,
                tiedInput: try ge.createExtendible("tied_input", rowShape: []),
                tiedOutput: try ge.createExtendible("tied_output", rowShape: []),
                head: blocks > 0 ? try ge.createExtendible("head", rowShape: [blocks, heads]) : nil,
                mlpGroup: blocks > 0 ? try ge.createExtendible("mlp_group", rowShape: [blocks, BlockUnits.mlpGroupCount]) : nil,
                blockRest: blocks > 0 ? try ge.createExtendible("block_rest", rowShape: [blocks]) : nil,
                exact: perInstance)
        }
        let w = try root.createGroup("weights")
        instanceWeight = try w.createExtendible("instance", rowShape: [N])
        tokenWeight = try w.createExtendible("token", rowShape: [N, T])
        instanceNLL = try root.createExtendible("instance_nll", rowShape: [N])
        steps = try root.createExtendible("steps", rowShape: [])
        self.layout = layout
        self.blocks = blocks
    }

    func append(_ m: StepMeasurement, _ updates: [UpdateEffect]?) throws {
        try total.append([m.loss], flush: false)
        try forget.append([m.forget], flush: false)
        try retain?.append([m.retain ?? .nan], flush: false)
        try l1?.append([m.l1 ?? .nan], flush: false)
        for (i, (rows, r)) in zip(sets, m.risks).enumerated() {
            try rows.value.append([r.value], flush: false)
            try rows.gradNorm2.append([r.gradNorm2], flush: false)
            try rows.total.append([r.total], flush: false)
            try rows.termForget.append([r.forgetTerm], flush: false)
            try rows.termRetain.append([r.retainTerm], flush: false)
            try rows.termL1?.append([r.l1Term], flush: false)
            try rows.tensor.append(r.tensor, flush: false)
            try rows.block.append(blocks > 0 ? layout.blockSums(r.tensor, blocks: blocks) : [.nan], flush: false)
            try rows.group.append(r.groups, flush: false)
            try rows.tiedInput.append([r.tiedInput ?? .nan], flush: false)
            try rows.tiedOutput.append([r.tiedOutput ?? .nan], flush: false)
            try rows.head?.append(r.units.head, flush: false)
            try rows.mlpGroup?.append(r.units.mlpGroup, flush: false)
            try rows.blockRest?.append(r.units.rest, flush: false)
            if let exact = rows.exact {
                let u = updates?[i]
                try exact.updateTotal.append([u?.total ?? .nan], flush: false)
                try exact.updateTensor.append(u?.tensor ?? Array(repeating: .nan, count: r.tensor.count), flush: false)
                try exact.instance.append(r.instance, flush: false)
                try exact.token.append(r.token, flush: false)
                try exact.refusalToken?.append(r.refusalToken, flush: false)
                try exact.pg.append(r.pgEffect, flush: false)
            }
        }
        try instanceWeight.append(m.instanceWeights, flush: false)
        try tokenWeight.append(m.tokenWeights, flush: false)
        try instanceNLL.append(m.instanceNLL, flush: false)
        try steps.append([Int64(m.step)])   // last, and flushes: a row is complete once its step is written
    }
}

/// `/interference/…`: one row per step the interference is measured at.
private struct InterferenceRows {
    let steps: H5RowWriter<Int64>
    let sets: [(instance: H5RowWriter<Double>, token: H5RowWriter<Double>)]

    init(_ root: H5Group, sets: [(name: String, items: Int)], instances N: Int, length T: Int) throws {
        let g = try root.createGroup("interference")
        self.sets = try sets.map { set in
            let group = try g.createGroup(set.name)
            return (
                try group.createExtendible("instance", rowShape: [N, set.items]),
                try group.createExtendible("token", rowShape: [N, set.items, T])
            )
        }
        steps = try g.createExtendible("steps", rowShape: [])
    }

    func append(_ m: InterferenceMeasurement) throws {
        for (rows, set) in zip(sets, m.sets) {
            try rows.instance.append(set.instance, flush: false)
            try rows.token.append(set.token, flush: false)
        }
        try steps.append([Int64(m.step)])   // last, and flushes
    }
}

/// `/eval/…`: one row per evaluation.
private struct EvalRows {
    let steps: H5RowWriter<Int64>
    let values: [String: H5RowWriter<Double>]

    init(_ root: H5Group, names: [String], attributes: [(String, Double)]) throws {
        let g = try root.groupCreatingIfNeeded("eval")
        values = Dictionary(
            uniqueKeysWithValues: try names.map { ($0, try g.createExtendible($0, rowShape: [], of: Double.self)) })
        for (name, value) in attributes { try g.setAttribute(name, value) }
        steps = try g.createExtendible("steps", rowShape: [])
    }

    func append(step: Int, values row: [(String, Double)]) throws {
        for (name, value) in row { try values[name]?.append([value], flush: false) }
        try steps.append([Int64(step)])   // last, and flushes
    }
}
