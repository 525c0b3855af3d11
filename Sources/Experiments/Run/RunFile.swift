import Datasets
import Foundation
import Model
import Store
import Unlearning

/// The version written into every run file.
public let gscopeVersion = "0.4.0"

/// The HDF5 run file of an unlearning run, written as the run goes: one row per step in every
/// extendible dataset, flushed each step, so a killed run keeps every finished step.
///
/// Layout (see docs/run-file.md once the instrumentation lands):
/// - root attributes `gscope_version`, `config` (resolved YAML), `seed`, `blas_threads`, `objective`;
/// - `/model/tensor_names`, `/model/tensor_block` (−1 where none), `/model/tensor_group`;
///   attribute `config` (the model's config.json);
/// - `/data/forget/tokens` [N, T] (inputs, padding after each sample), `/data/forget/mask` [N, T]
///   (1 on answer targets);
/// - `/objective`: attributes `forget`, `retain`, `forget_weight`, `retain_weight`; `rmu_u` [C]
///   for RMU;
/// - per step: `/steps` [S], `/lr` [S], `/grad_norm` [S] (before clipping), `/loss/total` [S],
///   `/loss/forget` [S], `/loss/retain` [S] (with a retain term), `/batch/forget_index` [S, B_f]
///   and `/batch/instance_weight` [S, B_f] (−1 and NaN in rows a short last batch leaves empty).
public final class UnlearningRunFile {
    public let file: H5File
    private let steps: H5RowWriter<Int64>
    private let lr: H5RowWriter<Double>, gradNorm: H5RowWriter<Double>
    private let total: H5RowWriter<Double>, forget: H5RowWriter<Double>, retain: H5RowWriter<Double>?
    private let forgetIndex: H5RowWriter<Int64>, instanceWeight: H5RowWriter<Double>
    private let forgetBatch: Int

    /// Creates the file (replacing one at `path`) and writes everything known before step 1.
    public init(path: String, config: ExperimentConfig, model: GPT, objective: UnlearningObjective,
                data: UnlearningData, forgetBatch: Int) throws {
        file = try H5File.create(path)
        let root = file.root
        try root.setAttribute("gscope_version", gscopeVersion)
        try root.setAttribute("config", config.resolvedYAML)
        try root.setAttribute("seed", config.seed)
        try root.setAttribute("blas_threads", config.threads)
        try root.setAttribute("objective", objective.name)

        let m = try root.createGroup("model")
        let slots = model.layout.slots
        try m.write("tensor_names", slots.map(\.name))
        try m.write("tensor_block", slots.map { Int64($0.block ?? -1) })
        try m.write("tensor_group", slots.map(\.group.rawValue))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try m.setAttribute("config", String(decoding: try encoder.encode(model.config), as: UTF8.self))

        let T = data.sequenceLength
        let batch = TokenBatch(samples: data.forget, indices: Array(data.forget.indices), padding: data.padding, fixedLength: T)
        let d = try root.createGroup("data").createGroup("forget")
        try d.write("tokens", batch.tokens, shape: [batch.batch, T])
        try d.write("mask", batch.mask, shape: [batch.batch, T])

        let o = try root.createGroup("objective")
        try o.setAttribute("forget", objective.forget.name)
        try o.setAttribute("retain", objective.retain?.name ?? "none")
        try o.setAttribute("forget_weight", objective.forgetWeight)
        try o.setAttribute("retain_weight", objective.retainWeight)
        if let rmu = objective.forget as? RMU { try o.write("rmu_u", rmu.u) }

        steps = try root.createExtendible("steps", rowShape: [])
        lr = try root.createExtendible("lr", rowShape: [])
        gradNorm = try root.createExtendible("grad_norm", rowShape: [])
        total = try root.createExtendible("loss/total", rowShape: [])
        forget = try root.createExtendible("loss/forget", rowShape: [])
        retain = objective.retain == nil ? nil : try root.createExtendible("loss/retain", rowShape: [])
        let fb = min(forgetBatch, data.forget.count)
        forgetIndex = try root.createExtendible("batch/forget_index", rowShape: [fb])
        instanceWeight = try root.createExtendible("batch/instance_weight", rowShape: [fb])
        self.forgetBatch = fb
        try file.flush()
    }

    /// Appends one step's row to every per-step dataset (each append flushes).
    public func append(_ r: UnlearningStepRecord) throws {
        let missing = forgetBatch - r.forgetIndices.count
        try forgetIndex.append(r.forgetIndices.map(Int64.init) + Array(repeating: -1, count: missing))
        try instanceWeight.append(r.evaluation.forget.instanceWeights + Array(repeating: .nan, count: missing))
        try lr.append([Double(r.learningRate)])
        try gradNorm.append([r.gradientNorm])
        try total.append([r.evaluation.loss])
        try forget.append([r.evaluation.forget.value])
        try retain?.append([r.evaluation.retain?.value ?? .nan])
        try steps.append([Int64(r.step)])   // last: a step is complete once its number is written
    }

    public func setAttribute(_ name: String, _ value: Double) throws { try file.root.setAttribute(name, value) }

    public func close() throws { try file.close() }
}
