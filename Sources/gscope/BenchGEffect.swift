import Datasets
import Foundation
import Instrumentation
import Model
import NumericCore
import Unlearning

/// `gscope bench --mode geffect` and `--mode pg`: the instrumentation's cost on random bigram data.
extension Bench {
    /// `n` bigram sequences of `T` inputs with every target in the loss, as formatted samples.
    private func bigramSamples(_ n: Int, T: Int, vocab: Int, rng: inout RNG) -> [FormattedSample] {
        bigramSamples(lengths: Array(repeating: SampleLength(ids: T + 1, answer: T), count: n), vocab: vocab, rng: &rng)
    }

    /// Bigram samples of the given (ids, answer ids) lengths: the answer is each sample's last
    /// `answer` ids.
    private func bigramSamples(lengths: [SampleLength], vocab: Int, rng: inout RNG) -> [FormattedSample] {
        let corpus = SparseBigramCorpus(vocabSize: vocab, seed: 2)
        return lengths.map { l in
            let b = corpus.batch(B: 1, T: l.ids - 1, rng: &rng)
            return FormattedSample(ids: b.tokens + [b.targets.last!], answerRange: (l.ids - l.answer)..<l.ids)
        }
    }

    /// The shape `--arch`/`--size` name with random weights from seed 1 (GPT-2's initialisation
    /// for a GPT), the sequence length, and the generator the data is then drawn from.
    private func startModel(_ choice: BenchModel) throws -> (any CausalLanguageModel, Int, RNG) {
        let shape = try choice.shape.shape()
        let T = min(seq, shape.blockSize)
        var rng = RNG(seed: 1)
        let model = try shape.initializedModel(rng: &rng)
        return (model, T, rng)
    }

    /// One fully instrumented NPO step: the forget (`--batch` × `--seq`) and retain (`--batch`)
    /// risk gradients, the objective over the whole forget set with per-tensor, per-instance and
    /// per-token G-effects, one AdamW step on a forget batch of `--batch` (its own gradient, as in
    /// a run: the measured full-set gradient is never reused, see ``Instrumenter``) and the update
    /// effects. With `--lengths FILE` the forget and retain sets have the file's samples' lengths
    /// instead (answer-only loss), measured in chunks of `--batch`.
    ///
    /// The report adds the resident memory after each part is built (`rss_kb`: the model with its
    /// gradient buffer; AdamW's moments and the frozen reference θ_o; the instrumenter's risk
    /// gradients and θ_t), each the growth over the part before, as a census of the buffers.
    func benchGEffect(_ choice: BenchModel) throws {
        let atStart = PeakMemory.currentKiB
        var (model, width, rng) = try startModel(choice)
        let withModel = PeakMemory.currentKiB
        let shapes = try lengths.map { try BenchLengths(path: $0, contextLength: model.contextLength) }
        let data = UnlearningData(
            forget: shapes.map { bigramSamples(lengths: $0.forget, vocab: model.vocabSize, rng: &rng) }
                ?? bigramSamples(batch, T: width, vocab: model.vocabSize, rng: &rng),
            retain: shapes.map { bigramSamples(lengths: $0.retain, vocab: model.vocabSize, rng: &rng) }
                ?? bigramSamples(batch, T: width, vocab: model.vocabSize, rng: &rng), padding: 0)
        let unlearner = try Unlearner(
            model: model, objective: .init(forget: NPO(beta: 0.1)),
            optimizer: AdamW(count: model.parameterCount), data: data,
            options: .init(length: .steps(warmup + steps), forgetBatch: batch, learningRate: 1e-5))
        let withUnlearner = PeakMemory.currentKiB
        let inst = Instrumenter(
            unlearner: unlearner,
            riskSets: [
                RiskSet(name: "forget", samples: data.forget),
                RiskSet(name: "retain", samples: data.retain),
            ],
            retainSet: data.retain, chunk: batch)
        let T = inst.length
        let withInstrumenter = PeakMemory.currentKiB
        let times = try millisecondsPerRun { i, _ in
            if profile && i == warmup { PhaseClock.start() }
            _ = try inst.measure(step: i)
            let record = try PhaseClock.measure("update step") { try unlearner.step(i + 1) }
            _ = PhaseClock.measure("update effects") { inst.updateEffects(lr: record.learningRate) }
        }
        let phases = profile ? PhaseClock.stop().map { ($0.phase, $0.seconds * 1000 / Double(steps)) } : []
        if !json { printProfile(phases, measured: times.sorted()[times.count / 2]) }
        report(
            mode: "geffect", label: choice.label, model: model, T: T, times: times,
            extra: [
                ("instances", "\(data.forget.count)"), ("retain_instances", "\(data.retain.count)"),
                ("answer_tokens", "\(RiskSet(name: "forget", samples: data.forget).answerTokens)"),
                ("lengths", lengths.map { JSONText.quoted($0) } ?? "null"), ("objective", "\"npo\""),
                (
                    "rss_kb",
                    "{\"model_and_gradients\": \(withModel - atStart), \"adamw_and_reference\": \(withUnlearner - withModel), "
                        + "\"instrumenter\": \(withInstrumenter - withUnlearner)}"
                ),
            ] + (profile ? [("profile_ms", Self.jsonObject(phases))] : []))
    }

    /// PG-effects of `--instances` instances of `--seq` tokens for a given risk gradient.
    func benchPG(_ choice: BenchModel) throws {
        var (model, T, rng) = try startModel(choice)
        let samples = bigramSamples(instances, T: T, vocab: model.vocabSize, rng: &rng)
        let direction = FloatBuffer((0..<model.parameterCount).map { _ in Float(rng.normal() * 1e-3) })
        let times = try millisecondsPerRun { _, _ in
            _ = try PGEffects.compute(model, samples: samples, direction: direction, padding: 0, length: T, chunk: batch)
        }
        report(mode: "pg", label: choice.label, model: model, T: T, times: times, extra: [("instances", "\(instances)")])
    }

    /// One JSON line (after a human-readable one unless `--json`): the median and fastest step,
    /// and the process's peak resident memory so far, in KiB and in units of the model's Float32
    /// size (4 bytes per parameter).
    private func report(
        mode: String, label: String, model: any CausalLanguageModel, T: Int, times: [Double], extra: [(String, String)]
    ) {
        let median = times.sorted()[times.count / 2]
        let peak = PeakMemory.residentKiB
        let modelKiB = Double(model.parameterCount) * 4 / 1024
        let fields: [(String, String)] =
            [
                ("impl", "\"gscope\""), ("mode", "\"\(mode)\""), ("model", "\"\(label)\""),
                ("params", "\(model.parameterCount)"), ("batch", "\(batch)"), ("seq", "\(T)"),
                ("threads", "\(threadOptions.count)"), ("blas_core", "\"\(BLAS.coreName)\""),
                ("kernels", "\"\(BLAS.kernels)\""), ("steps", "\(steps)"),
            ] + extra + [
                ("ms_median", String(format: "%.2f", median)), ("ms_min", String(format: "%.2f", times.min()!)),
                ("peak_rss_kb", "\(peak)"), ("peak_rss_model_sizes", String(format: "%.2f", Double(peak) / modelKiB)),
            ]
        if !json {
            print(
                "\(label) \(mode): \(String(format: "%.1f", median)) ms (median of \(steps)), peak RSS \(peak / 1024) MiB = "
                    + String(format: "%.2f", Double(peak) / modelKiB) + "× the model's Float32 size")
        }
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }
}
