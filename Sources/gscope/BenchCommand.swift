import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore
import Unlearning

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's speed and print one JSON line.",
        discussion: """
            --mode train times one AdamW training step (forward, backward, update) on \
            sparse-bigram batches and reports the median over --steps after --warmup steps, \
            with gflops = (6·params·tokens + 12·n_layer·n_embd·seq·tokens) / step time. \
            --profile adds the time of each layer kind on the model's shapes (GPT models); with --mode \
            geffect, the time of each phase of the instrumented step (any model).

            --arch llama --size smollm2 (or smollm2-135m, or llama-tiny) times the same step on a \
            Llama of that shape with random weights (initializeLlama; SmolLM2-135M: 30 blocks of \
            576, tied embeddings, vocabulary 49152); --model PATH times the model stored in a .gguf \
            file or a checkpoint directory, with its weights, instead. Same gflops formula, with \
            params counting the tied embedding once.

            --mode sgemm measures square matrix products through OpenBLAS (n = 256 to 2048), \
            split over the threads as the engine splits them.

            --mode geffect times one fully instrumented NPO unlearning step: the forget (--batch \
            sequences of --seq tokens) and retain (--batch) risk gradients, the objective over the \
            whole forget set with per-tensor, per-instance and per-token G-effects, one AdamW update \
            and its update effects, on any registered shape (--arch, --size), and reports the \
            process's peak resident memory (peak_rss_kb, and as a multiple of the model's Float32 \
            size). --mode pg times the PG-effects of --instances sequences for a \
            given risk gradient (one forward and one forward-mode pass per --batch rows). \
            --lengths FILE gives --mode geffect forget and retain sets of real samples' lengths \
            (TOFU's in SmolLM2's chat format: notebooks-scripts/bench/tofu-smollm2-lengths.json), \
            measured in chunks of --batch, each padded to its longest sample.

            --mode generate times greedy decoding of --batch random prompts (--prompt-tokens ± 4 \
            tokens) for --new-tokens tokens each (no stop token) with the key/value cache (prefill, \
            then one batched token per row per step), on any shape or a stored model (--model \
            PATH), and reports new tokens per second; --recompute also times decoding without the \
            cache (every step runs the same kernels on every row's whole context). A GPT's block \
            size is raised, when needed, to hold prompt and continuation (random weights). The \
            peer is notebooks-scripts/bench/torch_generate_bench.py (transformers' generate).

            Example:
              gscope bench --size small --batch 16 --seq 128 --threads 2 --json
              gscope bench --mode generate --size small --recompute --steps 3 --warmup 1
              gscope bench --mode generate --model models/SmolLM2-135M-Instruct.Q4_1.gguf --batch 8 --steps 3
              gscope bench --arch llama --size smollm2 --batch 4 --seq 128 --steps 5 --threads 2
              gscope bench --mode geffect --arch llama --size smollm2 --batch 4 --seq 64 --steps 2 --warmup 1
              gscope bench --model models/SmolLM2-135M-Instruct.Q4_1.gguf --batch 4 --seq 128 --steps 5
            Side by side with PyTorch: notebooks-scripts/bench/compare_torch.sh
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable { case train, sgemm, geffect, pg, generate }

    @OptionGroup var modelToLoad: ModelToLoadOptions
    @OptionGroup var shapeOptions: ModelShapeOptions
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "What to measure: \(Mode.allCases.map(\.rawValue).joined(separator: ", ")).")
    var mode: Mode = .train
    @Option(help: "Sequences per batch.") var batch: Int = 16
    @Option(help: "Tokens per sequence (at most the model's block size).") var seq: Int = 128
    @Option(help: "Timed steps.") var steps: Int = 10
    @Option(help: "Untimed steps first.") var warmup: Int = 2
    @Option(help: "With --mode pg: the number of instances.") var instances: Int = 32
    @Option(
        help: ArgumentHelp(
            "With --mode geffect: a JSON file of forget and retain sample lengths (notebooks-scripts/bench/tofu_lengths.py).",
            valueName: "file"))
    var lengths: String?
    @Option(help: "With --mode generate: the mean prompt length (prompts have this ± 4 tokens).") var promptTokens: Int = 40
    @Option(help: "With --mode generate: new tokens per prompt.") var newTokens: Int = 64
    @Flag(help: "With --mode generate: also time decoding without the key/value cache.") var recompute = false
    @Option(help: ArgumentHelp("Deprecated spelling of --model PATH.", visibility: .hidden))
    var gguf: String?
    @Flag(
        help: """
            With --mode train: also time each layer kind on the model's shapes (ms per step). With --mode geffect: \
            where the instrumented step's time goes (matrix products, forward mode, position shares, …).
            """)
    var profile = false
    @Flag(help: "Print only the JSON line (the default prints it too, after a human-readable line).")
    var json = false

    func run() throws {
        let choice = try benchModel()
        try threadOptions.apply()
        if let path = choice.path, mode != .train, mode != .generate {
            throw ValidationError(
                "a stored model (--model \(path)) is only measured with --mode train or generate, not --mode \(mode.rawValue)")
        }
        guard !profile || mode == .train || mode == .geffect else {
            throw ValidationError("--profile works with --mode train or --mode geffect, not --mode \(mode.rawValue)")
        }
        switch mode {
        case .train: try benchTrain(choice)
        case .sgemm: benchSgemm()
        case .geffect: try benchGEffect(choice)
        case .pg: try benchPG(choice)
        case .generate: try benchGenerate(choice)
        }
    }

    /// One line per phase (milliseconds per step and share of their sum), then the sum beside the
    /// step time measured.
    func printProfile(_ phases: [(phase: String, ms: Double)], measured: Double) {
        guard !phases.isEmpty else { return }
        let total = phases.reduce(0) { $0 + $1.ms }
        let width = phases.map(\.phase.count).max()!
        func name(_ s: String) -> String { "  " + s + String(repeating: " ", count: max(0, width - s.count)) }
        for p in phases {
            print(name(p.phase) + String(format: " %9.2f ms  %5.1f%%", p.ms, p.ms / total * 100))
        }
        print(name("total") + String(format: " %9.2f ms (sum of phases; the step measured %.2f ms)", total, measured))
    }

    /// `{"phase": ms, …}` with two decimals.
    static func jsonObject(_ phases: [(phase: String, ms: Double)]) -> String {
        "{" + phases.map { "\"\($0.phase)\": \(String(format: "%.2f", $0.ms))" }.joined(separator: ", ") + "}"
    }

    /// One AdamW training step (`trainingStep`: forward, backward, gradient norm, update) of a GPT
    /// or a Llama, timed on sparse-bigram batches; the median over `--steps` after `--warmup`.
    private func benchTrain(_ choice: BenchModel) throws {
        guard batch >= 1, seq >= 1, steps >= 1 else { throw ValidationError("--batch, --seq and --steps must be positive") }
        guard !profile || choice.isFreshGPT else {
            throw ValidationError("--profile times GPT layers; it is not available for a Llama or a stored model")
        }
        let (model, extra) = try trainModel(choice)
        let label = choice.label
        let T = min(seq, model.contextLength)
        var rng = RNG(seed: 2)
        let corpus = SparseBigramCorpus(vocabSize: model.vocabSize, seed: 2)
        let adam = AdamW(count: model.parameterCount, weightDecay: 0.1, decayRanges: matrixRanges(of: model.layout))
        var times: [Double] = []
        for i in 0..<(warmup + steps) {
            let b = corpus.batch(B: batch, T: T, rng: &rng)
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try trainingStep(
                model, optimizer: adam, lr: 1e-3, tokens: b.tokens, targets: b.targets,
                mask: b.mask, batch: batch, seq: T)
            if i >= warmup { times.append(Self.milliseconds(since: start)) }
        }
        let median = times.sorted()[times.count / 2]
        let tokens = Double(batch * T)
        let flops = 6 * Double(model.parameterCount) * tokens + 12 * Double(model.blockCount * model.width * T) * tokens
        var fields: [(String, String)] =
            [
                ("impl", "\"gscope\""), ("mode", "\"train\""), ("model", "\"\(label)\""),
                ("params", "\(model.parameterCount)"), ("batch", "\(batch)"), ("seq", "\(T)"),
                ("threads", "\(threadOptions.count)"), ("blas_core", "\"\(BLAS.coreName)\""),
                ("kernels", "\"\(BLAS.kernels)\""), ("steps", "\(steps)"),
                ("ms_per_step_median", fmt(median)), ("ms_per_step_min", fmt(times.min()!)),
                ("tokens_per_s", fmt(tokens / median * 1000)), ("gflops", fmt(flops / median / 1e6)),
            ] + extra
        if profile, let gpt = model as? GPT {
            let phases = LayerProfile(config: gpt.config, B: batch, T: T).measure()
            if !json { printProfile(phases, measured: median) }
            fields.append(("profile_ms", Self.jsonObject(phases)))
        }
        if !json {
            print(
                "\(label): \(fmt(median)) ms/step, \(fmt(tokens / median * 1000)) tokens/s, \(fmt(flops / median / 1e6)) GFLOP/s")
        }
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }

    private func benchSgemm() {
        var rng = RNG(seed: 3)
        var results: [String] = []
        for n in [256, 512, 1024, 2048] {
            let a = FloatBuffer((0..<(n * n)).map { _ in Float(rng.normal()) })
            let b = FloatBuffer((0..<(n * n)).map { _ in Float(rng.normal()) })
            let c = FloatBuffer(count: n * n)
            let reps = max(3, Int(2e9 / (2 * Double(n * n * n))))
            var best = Double.infinity
            for _ in 0..<reps {
                let start = DispatchTime.now().uptimeNanoseconds
                BLAS.gemm(m: n, n: n, k: n, a.base, lda: n, b.base, ldb: n, c.base, ldc: n)
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start))
            }
            let gflops = 2 * Double(n * n * n) / best
            if !json { print("sgemm n=\(n): \(fmt(gflops)) GFLOP/s") }
            results.append("{\"n\": \(n), \"gflops\": \(fmt(gflops))}")
        }
        print(
            "{\"impl\": \"gscope\", \"mode\": \"sgemm\", \"threads\": \(Parallel.workers), \"blas_core\": \"\(BLAS.coreName)\", "
                + "\"kernels\": \"\(BLAS.kernels)\", \"results\": [\(results.joined(separator: ", "))]}"
        )
    }

    func fmt(_ x: Double) -> String { String(format: "%.2f", x) }
}
