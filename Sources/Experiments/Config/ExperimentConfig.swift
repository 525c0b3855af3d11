import Datasets
import Unlearning

/// One unlearning experiment, as written in a YAML file under `data/configs/`: the start model,
/// the data, the objective, the optimiser, the schedule and the run's length and outputs.
///
/// YAML keys are the snake_case forms of the property names, in the order below. Every key may
/// be left out and then takes its value from `ExperimentConfig.defaults`, except five whose
/// default follows from other keys: `name` (the file name without extension),
/// `data.forget_split` (forget01 unless `data.forget_file` is set), `data.retain_split` (the
/// complement of `data.forget_split` unless `data.retain_file` is set), `run.steps` (20 unless
/// `run.epochs` is set) and `run.out` (`runs/<name>`). Load with `ExperimentConfig.load(path:overrides:)`; store with
/// `resolvedYAML`.
package struct ExperimentConfig: Codable, Equatable, Sendable {
    /// The run's name.
    package var name: String
    /// The seed for every random choice of the run (batch order, RMU's direction, …).
    package var seed: Int
    /// BLAS and worker threads; recorded in the run file.
    package var threads: Int
    package var model: ModelConfig
    package var data: DataConfig
    package var objective: ObjectiveConfig
    package var optimizer: OptimizerConfig
    package var schedule: ScheduleConfig
    package var run: RunConfig
    package var eval: EvalConfig

    package init(
        name: String, seed: Int, threads: Int, model: ModelConfig, data: DataConfig,
        objective: ObjectiveConfig, optimizer: OptimizerConfig, schedule: ScheduleConfig,
        run: RunConfig, eval: EvalConfig = EvalConfig()
    ) {
        self.name = name
        self.seed = seed
        self.threads = threads
        self.model = model
        self.data = data
        self.objective = objective
        self.optimizer = optimizer
        self.schedule = schedule
        self.run = run
        self.eval = eval
    }

    /// The values of keys left out of a file (the synthetic NPO run, named "experiment").
    package static let defaults = ExperimentConfig(
        name: "experiment", seed: 0, threads: 2,
        model: ModelConfig(checkpoint: "runs/synthetic/target/checkpoint"),
        data: DataConfig(
            kind: .qa, dir: "runs/synthetic/data", tokenizer: "runs/synthetic/tokenizer.json",
            forgetSplit: .forget01, retainSplit: .retain99, maxLength: 128, markov: .A),
        objective: ObjectiveConfig(
            forget: ForgetObjective(NPO.self), retain: RetainTerm(),
            forgetWeight: 1, retainWeight: 1),
        optimizer: OptimizerConfig(
            name: .adamw, lr: 1e-5, weightDecay: 0.01, betas: [0.9, 0.999],
            eps: 1e-8, maxGradNorm: nil),
        schedule: ScheduleConfig(name: .constant, warmupSteps: 0),
        run: RunConfig(
            steps: 20, epochs: nil, forgetBatch: 4, retainBatch: 4, checkpointEvery: 0,
            recordEvery: 1, out: "runs/experiment"))
}

extension ExperimentConfig {
    /// `model:` — the start point, which is also the frozen reference model θ_o.
    package struct ModelConfig: Codable, Equatable, Sendable {
        /// A checkpoint directory (`model.safetensors` + `config.json`).
        package var checkpoint: String

        package init(checkpoint: String) { self.checkpoint = checkpoint }
    }

    /// `data:` — where the forget and retain sets come from.
    package struct DataConfig: Codable, Equatable, Sendable {
        package var kind: DataKind
        /// A TOFU-shaped directory (TOFU itself or `gscope data synth` output), or for
        /// `kind: markov` a `gscope data markov` directory.
        package var dir: String
        /// A BPE tokenizer JSON file (gscope's own or a Hugging Face `tokenizer.json`), a model
        /// directory holding `tokenizer.json`, a `.gguf` file, or "byte" for the byte tokenizer.
        package var tokenizer: String
        /// The QA format of a pretrained tokenizer: `auto` (its chat template), `chatml`, `llama3`
        /// or `plain` (see `Datasets.ChatFormat`).
        package var chatFormat: ChatFormatChoice
        /// The forget set as a split of `dir` (forget01 … forget90); null when `forgetFile` names
        /// it (forget01 when both are left out).
        package var forgetSplit: TOFUForgetSet?
        /// The retain set as a split of `dir` (retain99 … retain10); defaults to
        /// `forgetSplit.complement` unless `retainFile` names the set; must not overlap the forget
        /// split.
        package var retainSplit: TOFURetainSet?
        /// The forget set as a JSON-lines file of the user's own, instead of `forgetSplit`: rows
        /// `{"question", "answer"}` (loss on the answer) or `{"text"}` (loss on every token, the
        /// text cut into windows of `maxLength` tokens); see `UnlearningFile`.
        package var forgetFile: String?
        /// The retain set as such a file, instead of `retainSplit`.
        package var retainFile: String?
        /// Samples are cut to this many tokens.
        package var maxLength: Int
        /// For `kind: markov`: which experiment (A or B).
        package var markov: MarkovExperiment
        /// For `kind: markov`: the seed the sequences are sampled with, as in
        /// `gscope train --markov A --markov-seed S` (the sequences are regenerated, not read).
        package var markovSeed: Int
        /// For `kind: markov`: unlearn a fixed pool of this many forget sequences, as SimNPO's
        /// public code does (its 50 batches of 4 see 200): the first `forgetPool` of a shuffle
        /// of forget1 ∪ forget2 drawn with the run's seed, so about as many from each chain (0:
        /// the whole forget set; a pool larger than the set takes it whole).
        package var forgetPool: Int
        /// For `kind: qa`: unlearn (or, with `gscope relearn`, fine-tune on) only this many forget
        /// items, drawn with the run's seed and kept in the split's order (0: all of them). The
        /// evaluation still covers the whole forget split.
        package var forgetSubset: Int

        package init(
            kind: DataKind, dir: String, tokenizer: String, forgetSplit: TOFUForgetSet?,
            retainSplit: TOFURetainSet?, forgetFile: String? = nil, retainFile: String? = nil, maxLength: Int,
            markov: MarkovExperiment, markovSeed: Int = 0, forgetPool: Int = 0, chatFormat: ChatFormatChoice = .auto,
            forgetSubset: Int = 0
        ) {
            self.kind = kind
            self.dir = dir
            self.tokenizer = tokenizer
            self.chatFormat = chatFormat
            self.forgetSplit = forgetSplit
            self.retainSplit = retainSplit
            self.forgetFile = forgetFile
            self.retainFile = retainFile
            self.maxLength = maxLength
            self.markov = markov
            self.markovSeed = markovSeed
            self.forgetPool = forgetPool
            self.forgetSubset = forgetSubset
        }

        enum CodingKeys: String, CodingKey {
            case kind, dir, tokenizer, chatFormat = "chat_format"
            case forgetSplit = "forget_split", retainSplit = "retain_split"
            case forgetFile = "forget_file", retainFile = "retain_file"
            case maxLength = "max_length"
            case markov, markovSeed = "markov_seed", forgetPool = "forget_pool"
            case forgetSubset = "forget_subset"
        }
    }

    /// `objective:` — the loss `forget_weight · forget + retain_weight · retain`.
    package struct ObjectiveConfig: Codable, Equatable, Sendable {
        package var forget: ForgetObjective
        package var retain: RetainTerm
        /// γ in `γ·forget + α·retain`.
        package var forgetWeight: Double
        /// α in `γ·forget + α·retain`; unused when the retain term is `none`.
        package var retainWeight: Double
        /// ℓ1-sparse unlearning: a penalty `α_e·‖θ‖₁` on the retain side (alpha 0: none).
        package var l1: L1Config

        package init(
            forget: ForgetObjective, retain: RetainTerm, forgetWeight: Double, retainWeight: Double, l1: L1Config = L1Config()
        ) {
            self.forget = forget
            self.retain = retain
            self.forgetWeight = forgetWeight
            self.retainWeight = retainWeight
            self.l1 = l1
        }

        enum CodingKeys: String, CodingKey {
            case forget, retain
            case forgetWeight = "forget_weight", retainWeight = "retain_weight"
            case l1
        }
    }

    /// `objective.l1:` — ℓ1-sparse unlearning (`Unlearning.L1Sparsity`, the schedule of
    /// OPTML-Group/Unlearn-Sparse's `FT_l1`).
    package struct L1Config: Codable, Equatable, Sendable {
        /// α; 0: no penalty.
        package var alpha: Double
        /// `linear`: α·(1 − e/(E − no_l1_epochs)) in epoch e, 0 in the last `no_l1_epochs`;
        /// `constant`: α throughout.
        package var schedule: L1ScheduleName
        package var noL1Epochs: Int

        package init(alpha: Double = 0, schedule: L1ScheduleName = .linear, noL1Epochs: Int = 0) {
            self.alpha = alpha
            self.schedule = schedule
            self.noL1Epochs = noL1Epochs
        }

        enum CodingKeys: String, CodingKey {
            case alpha, schedule
            case noL1Epochs = "no_l1_epochs"
        }
    }

    /// `optimizer:`.
    package struct OptimizerConfig: Codable, Equatable, Sendable {
        package var name: OptimizerName
        /// The peak learning rate.
        package var lr: Double
        /// AdamW's decoupled weight decay (unused by SGD).
        package var weightDecay: Double
        /// AdamW's (β₁, β₂) (unused by SGD).
        package var betas: [Double]
        /// AdamW's ε (unused by SGD).
        package var eps: Double
        /// Clip the global gradient norm to this; nil = no clipping.
        package var maxGradNorm: Double?
        /// The weights the updates may change (WAGLE): all of them by default.
        package var mask: MaskConfig

        package init(
            name: OptimizerName, lr: Double, weightDecay: Double, betas: [Double], eps: Double,
            maxGradNorm: Double?, mask: MaskConfig = MaskConfig()
        ) {
            self.name = name
            self.lr = lr
            self.weightDecay = weightDecay
            self.betas = betas
            self.eps = eps
            self.maxGradNorm = maxGradNorm
            self.mask = mask
        }

        enum CodingKeys: String, CodingKey {
            case name, lr
            case weightDecay = "weight_decay"
            case betas, eps
            case maxGradNorm = "max_grad_norm"
            case mask
        }
    }

    /// `optimizer.mask:` — restricting the update to a fraction of the weights, chosen once at
    /// θ_0 (WAGLE, Jia et al., NeurIPS 2024).
    package struct MaskConfig: Codable, Equatable, Sendable {
        /// `none`, `wagle`, `magnitude`, `random` or `geffect` (`Instrumentation.MaskScore`).
        package var method: MaskMethodName
        /// ρ: the fraction of the weights the update changes (WAGLE's "ratio": 0.8 updates 80 %).
        package var ratio: Double
        /// `global`: the largest scores of all weights together (WAGLE's code); `tensor`: of each
        /// tensor alone.
        package var scope: MaskScopeName
        /// WAGLE's γ, the retain loss's Hessian diagonal `γ·I` (its code's μ, default 1e-6).
        package var gamma: Double

        package init(method: MaskMethodName = .none, ratio: Double = 0.8, scope: MaskScopeName = .global, gamma: Double = 1e-6) {
            self.method = method
            self.ratio = ratio
            self.scope = scope
            self.gamma = gamma
        }
    }

    /// `schedule:` — the learning rate over the run.
    package struct ScheduleConfig: Codable, Equatable, Sendable {
        package var name: ScheduleName
        /// Steps of linear warm-up from 0 (linear schedule only).
        package var warmupSteps: Int

        package init(name: ScheduleName, warmupSteps: Int) {
            self.name = name
            self.warmupSteps = warmupSteps
        }

        enum CodingKeys: String, CodingKey {
            case name
            case warmupSteps = "warmup_steps"
        }
    }

    /// `run:` — how long, in what batches, and where the outputs go.
    package struct RunConfig: Codable, Equatable, Sendable {
        /// Unlearning steps; exactly one of `steps` and `epochs` is set.
        package var steps: Int?
        /// Passes over the forget set; exactly one of `steps` and `epochs` is set.
        package var epochs: Int?
        package var forgetBatch: Int
        package var retainBatch: Int
        /// Save a checkpoint every this many steps; 0 = the final checkpoint only.
        package var checkpointEvery: Int
        /// Record the G-effects every this many steps (and at step 0 and the last step); 0: never.
        package var recordEvery: Int
        /// The retain risk set, which the objective's retain term is also measured on: this many
        /// retain samples drawn with the run's seed (0: the whole retain split).
        package var geffectRetainSize: Int
        /// The forget instances the G-effects are measured on: this many, drawn with the run's
        /// seed (0: the whole forget set).
        package var geffectForgetSize: Int
        /// More risk sets to follow besides forget and retain, each capped at `geffect_retain_size`
        /// items: TOFU split names such as `real_authors` or `world_facts`, or JSON-lines files of
        /// question–answer or text rows (an entry ending in `.json` or `.jsonl`, or holding a `/`;
        /// the set is named after the file without its extension).
        package var riskSets: [String]
        /// The items each set of `risk_sets` is capped at, drawn with the seed (0: whole sets;
        /// null: `geffect_retain_size`).
        package var riskSetSize: Int?
        /// `exact`, or `paper`: as the G-effect paper's public code (micro-batches of 4, smoothed
        /// gradients, retain samples drawn at random from the retain split after its first 400).
        package var geffectMode: GEffectModeName
        /// Rows per forward/backward pass when measuring over whole sets.
        package var chunk: Int
        /// Measure the forget × retain interference (`/interference`) every this many steps (and
        /// at step 0 and the last step); a multiple of `record_every`; 0: never. Costs about one
        /// backward pass per measured forget instance and a forward-mode pass over each set.
        package var interferenceEvery: Int
        /// The risk sets the interference is measured on: `retain`, `forget` (how unlearning one
        /// forget instance moves the others) and any of `risk_sets`.
        package var interferenceSets: [String]
        /// The output directory.
        package var out: String

        package init(
            steps: Int?, epochs: Int?, forgetBatch: Int, retainBatch: Int, checkpointEvery: Int,
            recordEvery: Int, geffectRetainSize: Int = 100, geffectForgetSize: Int = 0, riskSets: [String] = [],
            geffectMode: GEffectModeName = .exact, chunk: Int = 16, interferenceEvery: Int = 0,
            interferenceSets: [String] = ["retain"], riskSetSize: Int? = nil, out: String
        ) {
            self.steps = steps
            self.epochs = epochs
            self.forgetBatch = forgetBatch
            self.retainBatch = retainBatch
            self.checkpointEvery = checkpointEvery
            self.recordEvery = recordEvery
            self.geffectRetainSize = geffectRetainSize
            self.geffectForgetSize = geffectForgetSize
            self.riskSets = riskSets
            self.riskSetSize = riskSetSize
            self.geffectMode = geffectMode
            self.chunk = chunk
            self.interferenceEvery = interferenceEvery
            self.interferenceSets = interferenceSets
            self.out = out
        }

        /// The run's length, `.steps(n)` or `.epochs(n)` (nil only in a config that has not been
        /// validated).
        package var length: RunLength? {
            switch (steps, epochs) {
            case let (s?, nil): return .steps(s)
            case let (nil, e?): return .epochs(e)
            default: return nil
            }
        }

        enum CodingKeys: String, CodingKey {
            case steps, epochs
            case forgetBatch = "forget_batch", retainBatch = "retain_batch"
            case checkpointEvery = "checkpoint_every", recordEvery = "record_every"
            case geffectRetainSize = "geffect_retain_size", geffectForgetSize = "geffect_forget_size"
            case riskSets = "risk_sets", riskSetSize = "risk_set_size", geffectMode = "geffect_mode", chunk
            case interferenceEvery = "interference_every", interferenceSets = "interference_sets"
            case out
        }
    }

    /// `eval:` — evaluation during the run (TOFU's metric suite, or the Markov KL metrics).
    package struct EvalConfig: Codable, Equatable, Sendable {
        /// Evaluate every this many steps, and at step 0 and the last step; 0: never.
        package var every: Int
        /// QA runs: whether to generate answers for the ROUGE metrics (and so model utility).
        package var generate: Bool
        /// QA runs: the checkpoint of a model trained without the forget set, for forget quality
        /// and privleak (null: those are not computed).
        package var retainModel: String?
        /// QA runs: a split of the data directory the model never saw (e.g. `holdout01`), the
        /// negatives of the membership-inference AUCs (null: no MIA metrics).
        package var holdoutSplit: String?
        /// QA runs: the longest greedy answer.
        package var maxNewTokens: Int
        /// Markov runs: test sequences per group the KL metric averages over (0: all).
        package var markovTestSize: Int

        package init(
            every: Int = 0, generate: Bool = true, retainModel: String? = nil, holdoutSplit: String? = nil,
            maxNewTokens: Int = 200, markovTestSize: Int = 256
        ) {
            self.every = every
            self.generate = generate
            self.retainModel = retainModel
            self.holdoutSplit = holdoutSplit
            self.maxNewTokens = maxNewTokens
            self.markovTestSize = markovTestSize
        }

        enum CodingKeys: String, CodingKey {
            case every, generate
            case retainModel = "retain_model", holdoutSplit = "holdout_split"
            case maxNewTokens = "max_new_tokens", markovTestSize = "markov_test_size"
        }
    }

    /// How long a run is.
    package enum RunLength: Equatable, Sendable {
        /// This many optimiser steps.
        case steps(Int)
        /// This many passes over the forget set (in `forget_batch` batches).
        case epochs(Int)
    }
}
