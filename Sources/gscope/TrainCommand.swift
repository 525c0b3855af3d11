import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore
import Unlearning

extension LearningRateSchedule {
    /// The command line's names: constant, linear.
    fileprivate enum Name: String, ExpressibleByArgument, CaseIterable { case constant, linear }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Train a model from scratch on QA data, Markov chains or a bigram corpus, or fine-tune a pretrained model on QA data; save a checkpoint.",
        discussion: """
            Three kinds of data; give one of --data, --markov or --corpus (the default is --corpus bigram).

            QA data (--data DIR --split NAME --tokenizer byte|FILE): DIR holds TOFU's JSON-lines \
            files (the real TOFU, or `gscope data synth` output); --split names one of them \
            (full, retain90, retain95, retain99, forget01, …), or several joined by commas: \
            full,real_authors,world_facts also teaches a model trained from scratch what TOFU's \
            real-author and world-fact questions ask (a pretrained model knows it), so that model \
            utility is not 0. Each item becomes \
            `Question: {q}\\nAnswer: {a}` framed by the tokenizer's begin and end tokens, and only \
            the answer tokens and the end token count in the loss (the mask-weighted token mean \
            over the batch). Items longer than the model's block size are cut, and those left \
            with no answer token are left out (both counts are printed, with the --block-size \
            that keeps every item whole: TOFU needs about 640 with --tokenizer byte). --tokenizer is \
            byte (one token per byte, vocabulary 259), a file written by `gscope tokenizer \
            train`, or a model's .gguf file (below). The model's vocabulary is set from the tokenizer; \
            an explicit --vocab that differs is an error.

            Fine-tuning a pretrained model (--model PATH with QA data): PATH is a .gguf file (e.g. \
            SmolLM2-135M-Instruct from `make model`) or a checkpoint directory; give the model's own \
            tokenizer (--tokenizer PATH.gguf). A GGUF tokenizer formats each item in the model's chat \
            format (`<|im_start|>system …<|im_end|>` … `<|im_start|>assistant` then the answer and \
            `<|im_end|>`), with the same answer-only loss. A Llama's checkpoint is written in Hugging \
            Face's layout: transformers' LlamaForCausalLM.from_pretrained loads OUT/checkpoint.

            A model built from scratch is a GPT of --size tiny (the default), small, medium or \
            markov, with --n-layer, --n-head, --n-embd, --vocab and --block-size overriding its \
            dimensions, or with --arch llama a Llama of --size llama-tiny (the default) or smollm2 \
            (initializeLlama's random weights), or with --arch markov-reference SimNPO's Markov \
            model. --model NAME with the name of an architecture (one of --arch's; e.g. --model \
            markov-reference) is --arch NAME. The vocabulary is set from the data.

            Markov chains (--markov A|B): SimNPO's mixtures of Markov chains (REFERENCE §4), \
            sampled in memory exactly as `gscope data markov --experiment A --seed S` writes them \
            (--markov-seed S). A trains on retain + forget1 + forget2, B on retain + forget1; \
            --retrained trains on retain alone. The defaults are the paper's: the `markov` model \
            (4 blocks of 128, 4 heads, vocabulary 10; a pre-LN GPT in place of the reference's \
            post-LN variant), AdamW lr 5e-4, eps 1e-6, no weight decay, batch 128, 5 epochs, \
            every label in the loss. --model markov-reference trains the model of SimNPO's public \
            code instead, with the same recipe: 4 post-LayerNorm blocks of 128, each one causal \
            attention head over the whole width (queries, keys and values without bias, no output \
            projection) and a 128→128→128 ReLU MLP, learned positions for 19 inputs, an untied \
            head with a bias, PyTorch's default initialisation; 335,754 parameters \
            (docs/markov-reference.md). Its checkpoints say so in config.json, so `gscope unlearn` \
            loads them as they are (data/configs/markov/reference/).

            Bigram corpus (--corpus bigram): sequences from a seeded sparse bigram chain (4 \
            successors per token, probabilities 0.4/0.3/0.2/0.1); the best achievable loss, the \
            chain's entropy of 1.28 nats, is printed beside the curve. --seq sets the sequence length.

            Every batch has the same shape: B rows (the last batch of an epoch is filled with \
            empty rows, which do not count) of the longest sample's length. Batches are drawn in a \
            seeded shuffled order, epoch after epoch; give --steps or --epochs, not both. \
            --schedule linear is Hugging Face's get_linear_schedule_with_warmup: step s (from 1) \
            uses lr·(s−1)/W during the --warmup W steps (so the first step's rate is 0 when W > 0), \
            then lr·(N−s+1)/(N−W) over the N steps. --clip-grad-norm X scales the gradient to \
            global norm X when it is larger (PyTorch's clip_grad_norm_). The same --seed gives \
            bit-identical weights.

            Writes, once training has finished (nothing is written when the input is bad): \
            OUT/checkpoint/ (model.safetensors and config.json, loadable in PyTorch with \
            notebooks-scripts/parity/gpt_torch.py), OUT/losses.tsv (step, epoch, lr, loss, \
            grad_norm; the loss of each step's batch before its update, the gradient norm before \
            clipping), OUT/train.json (the settings) and, for a BPE tokenizer, a copy of it as \
            OUT/tokenizer.json. Other files in OUT are left alone.

            Long runs (QA and Markov data): --save-every N saves a snapshot every N steps into \
            OUT/resume (the parameters, AdamW's moments and step count, the log so far, and the \
            settings). The same command run again — after a crash, a kill or --time-limit — goes on \
            from the last snapshot to the same bits as a run never stopped; a snapshot of other \
            settings is refused (remove OUT/resume to start over). --time-limit S stops at the \
            first snapshot after S seconds with exit status 75, for clusters' time limits. The \
            snapshot is removed once the run has finished.

            Examples:
              gscope data synth --out synth --authors 200
              gscope tokenizer train --corpus synth --vocab 1024 --out tok.json
              gscope train --data synth --split retain90 --tokenizer tok.json \\
                --size tiny --block-size 256 --epochs 5 --batch 16 --lr 1e-3 \\
                --schedule linear --warmup 50 --clip-grad-norm 1 --out runs/qa
              gscope train --data path/to/tofu --split retain99 \\
                --tokenizer byte --size small --block-size 640 --steps 2000 \\
                --out runs/tofu-small
              gscope train --data synth20 --split full --tokenizer models/SmolLM2-135M-Instruct.Q4_1.gguf \\
                --model models/SmolLM2-135M-Instruct.Q4_1.gguf --batch 4 --lr 1e-4 --schedule linear --warmup 10 \\
                --epochs 2 --out runs/smollm2/target
              gscope train --markov A --out runs/markov-A
              gscope train --markov A --retrained --out runs/markov-A-retrained
              gscope train --markov A --model markov-reference --out runs/markov-reference/A/target
              gscope train --corpus bigram --size tiny --steps 300 --out runs/demo
            """)

    enum Corpus: String, ExpressibleByArgument, CaseIterable { case bigram }

    @Option(help: "QA data: a directory of TOFU-style JSON-lines files.") var data: String?
    @Option(
        help:
            "QA data: the split to train on, or several joined by commas, e.g. full,real_authors,world_facts (\(TOFUSplit.allCases.map(\.rawValue).joined(separator: ", ")))."
    )
    var split: String = "full"
    @OptionGroup var tokenizerOptions: TokenizerOptions
    @Option(help: ArgumentHelp("Deprecated spelling of --model PATH.", visibility: .hidden))
    var from: String?
    @Option(help: "Markov chains: experiment A or B.") var markov: MarkovExperiment?
    @Flag(help: "Markov chains: train the reference model on retain sequences only.") var retrained = false
    @Option(help: "Markov chains: the seed of the sampled sequences (as `gscope data markov --seed`).")
    var markovSeed: UInt64 = 0
    @Option(
        help:
            "Synthetic corpus: \(Corpus.allCases.map(\.rawValue).joined(separator: ", ")) (the default when neither --data nor --markov is given)."
    )
    var corpus: Corpus?
    @OptionGroup var modelToLoad: ModelToLoadOptions
    @OptionGroup var shapeOptions: ModelShapeOptions

    @Option(help: "Optimiser steps (default 300; Markov: 5 epochs).") var steps: Int?
    @Option(help: "Passes over the data instead of --steps (not with --corpus).") var epochs: Int?
    @Option(help: "Sequences per batch (default 16; Markov 128).") var batch: Int?
    @Option(help: "Bigram corpus: tokens per sequence (at most the block size).") var seq: Int = 64
    @Option(help: "AdamW base learning rate (default 3e-3; Markov 5e-4).") var lr: Float?
    @Option(help: "Learning-rate schedule: constant or linear (warm-up, then linear decay).")
    fileprivate var schedule: LearningRateSchedule.Name = .constant
    @Option(help: "Warm-up steps of --schedule linear.") var warmup: Int = 0
    @Option(help: "Clip the global gradient norm to this before each update (default: no clipping).")
    var clipGradNorm: Double?
    @Option(help: "AdamW weight decay, on matrices only (default 0.1; Markov 0).") var weightDecay: Float?
    @Option(help: "AdamW epsilon (default 1e-8; Markov 1e-6).") var adamEps: Float?
    @Option(help: "Seed of the run's random numbers (initialisation and batch order).") var seed: UInt64 = 0
    @Option(help: "Print progress every this many steps.") var logEvery: Int = 10
    @Option(
        help: ArgumentHelp(
            "Save a snapshot every this many steps into OUT/resume (parameters, AdamW's state, the log); the same command run again goes on from it to the same bits.",
            valueName: "steps"))
    var saveEvery: Int?
    @Option(
        help: ArgumentHelp(
            "With --save-every: stop at the first snapshot after this many seconds of this sitting (exit 75); run the same command again to go on.",
            valueName: "seconds"))
    var timeLimit: Double?
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var output: OutputDirectoryOptions

    private enum Mode { case qa, markov, bigram }

    private var mode: Mode { data != nil ? .qa : markov != nil ? .markov : .bigram }

    func validate() throws {
        let given = [data != nil, markov != nil, corpus != nil].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give one of --data, --markov and --corpus") }
        if data != nil, tokenizerOptions.tokenizer == nil {
            throw ValidationError(
                "--data needs --tokenizer (byte, a tokenizer JSON from `gscope tokenizer train`, or a .gguf file)")
        }
        if data == nil, tokenizerOptions.tokenizer != nil { throw ValidationError("--tokenizer goes with --data") }
        if retrained, markov == nil { throw ValidationError("--retrained goes with --markov") }
        if steps != nil, epochs != nil { throw ValidationError("give --steps or --epochs, not both") }
        if mode == .bigram, epochs != nil { throw ValidationError("the bigram corpus has no epochs: use --steps") }
        if let s = steps, s < 1 { throw ValidationError("--steps must be at least 1") }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be at least 1") }
        if let b = batch, b < 1 { throw ValidationError("--batch must be at least 1") }
        if let r = lr, !(r.isFinite && r >= 0) { throw ValidationError("--lr must be a non-negative number") }
        if let c = clipGradNorm, !(c.isFinite && c > 0) { throw ValidationError("--clip-grad-norm must be positive") }
        if let e = adamEps, !(e.isFinite && e > 0) { throw ValidationError("--adam-eps must be positive") }
        guard warmup >= 0 else { throw ValidationError("--warmup must be 0 or more") }
        if warmup > 0, schedule != .linear { throw ValidationError("--warmup goes with --schedule linear") }
        guard logEvery >= 1, seq >= 1 else { throw ValidationError("--log-every and --seq must be positive") }
        if let n = saveEvery {
            guard n >= 1 else { throw ValidationError("--save-every must be at least 1") }
            if mode == .bigram {
                throw ValidationError("--save-every goes with --data or --markov (the bigram corpus is not resumable)")
            }
        }
        if let t = timeLimit {
            guard t.isFinite, t >= 0 else { throw ValidationError("--time-limit must be a non-negative number of seconds") }
            if saveEvery == nil { throw ValidationError("--time-limit goes with --save-every (it stops at a snapshot)") }
        }
    }

    func run() throws {
        let choice = try modelChoice()
        try threadOptions.apply()
        Signals.reportFileSizeLimitAsError()
        try TrainOutput.checkUsable(out)
        try OutputDirectory.claim(out)   // one process per output directory
        switch mode {
        case .qa: try runQA(choice)
        case .markov: try runMarkov(choice)
        case .bigram: try runBigram(choice)
        }
    }

    /// The model the run trains: a pretrained one to fine-tune, or a shape to build.
    private struct ModelChoice {
        /// `--model PATH` (or the old `--from PATH`): fine-tune this model.
        let path: String?
        /// The shape built from scratch when there is no path.
        let shape: ModelShapeOptions
    }

    /// `--model` and the shape options with the old spellings folded in: `--from PATH` and
    /// `--model NAME` with a size name print their deprecation line; old and new spellings that
    /// disagree are an `OptionError` (exit 2). A model to load brings its own architecture, and
    /// is fine-tuned on QA data only.
    private func modelChoice() throws -> ModelChoice {
        let (model, options) = try architectureNamedByModel()
        let (path, shape) = try options.readingDeprecatedSize(in: model)
        let choice = ModelChoice(
            path: try DeprecatedSpelling.merge(new: path, newName: "model", old: from, oldName: "from"),
            shape: shape)
        if let path = choice.path {
            if data == nil { throw ValidationError("--model \(path) is fine-tuned on QA data: give --data and --split") }
            let shapeOptions = shape.given.filter { $0 != "--vocab" }
            if !shapeOptions.isEmpty {
                throw ValidationError(
                    "--model \(path) brings its own architecture: leave out \(shapeOptions.joined(separator: ", "))")
            }
        }
        return choice
    }

    /// `--model NAME` where NAME is a registered architecture's (`--model markov-reference`, the
    /// spelling of issue 19): `--arch NAME`, built from scratch. Returns what is left of `--model`
    /// (nil then) and the shape options with the architecture set; `--arch` naming another is an
    /// ``OptionError`` (exit 2). Any other `--model` is left as it is: a size name (the old spelling
    /// of `--size`) or a model to load.
    private func architectureNamedByModel() throws -> (model: String?, options: ModelShapeOptions) {
        guard let name = modelToLoad.model, let named = ArchitectureName(argument: name) else {
            return (modelToLoad.model, shapeOptions)
        }
        if let arch = shapeOptions.arch, arch != named {
            throw OptionError(option: "--model", "\(name) is an architecture, but --arch is \(arch.name): give one of them")
        }
        var options = shapeOptions
        options.arch = named
        return (nil, options)
    }

    /// The output directory.
    private var out: String { output.out }

    /// `--tokenizer` (given whenever there is `--data`: `validate` checks).
    private var tokenizer: String? { tokenizerOptions.tokenizer }

    // MARK: The three kinds of data

    private func runQA(_ choice: ModelChoice) throws {
        // Everything that can be wrong with the input is checked before the model is built.
        let directory = try TOFUDirectory(path: data!)
        let splits = try split.split(separator: ",").map { name in
            guard let split = TOFUSplit(rawValue: String(name)) else {
                throw ValidationError(
                    "unknown split '\(name)'; choose from \(TOFUSplit.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return split
        }
        // `full + 10 × real_authors + 10 × world_facts`: repeated splits counted, in first-seen order.
        let distinct = splits.reduce(into: [TOFUSplit]()) { if !$0.contains($1) { $0.append($1) } }
        let splitNames = distinct.map { split in
            let n = splits.filter { $0 == split }.count
            return n == 1 ? split.rawValue : "\(n) × \(split.rawValue)"
        }.joined(separator: " + ")
        let text = try tokenizerOptions.load(tokenizer!)
        let tokenizerFile = (text as? BPETokenizer)?.jsonData()
        if let v = choice.shape.vocab, v != text.vocabSize {
            throw ValidationError(
                "--vocab \(v) does not match the tokenizer's vocabulary of \(text.vocabSize) (leave --vocab out: it is set from the tokenizer)"
            )
        }
        let model: any CausalLanguageModel
        if let path = choice.path {
            model = try Checkpoint.loadModel(from: path)
            guard model.vocabSize == text.vocabSize else {
                throw ValidationError(
                    "--tokenizer \(tokenizer!) has \(text.vocabSize) ids, the model in --model \(path) a vocabulary of \(model.vocabSize): use the model's own tokenizer"
                )
            }
        } else {
            var shape = try choice.shape.shape()
            shape.vocabSize = text.vocabSize
            model = try fresh(shape)
        }
        let blockSize = model.contextLength
        let items = try splits.flatMap { split in
            let items = try directory.load(split)
            guard !items.isEmpty else { throw DataError(file: directory.filePath(split.fileName), "the split has no items") }
            return items
        }
        let formatter = QAFormatter(tokenizer: text, maxLength: blockSize)
        let formatted = formatter.format(items)
        // Items whose answer the cut removed entirely have nothing to learn: leave them out.
        let kept = formatted.samples.filter { !$0.maskedPositions.isEmpty }
        if formatted.truncatedCount > 0 {
            let longest = items.map { QAFormatter(tokenizer: text).format($0).length }.max()!
            print(
                "note: \(formatted.truncatedCount) of \(items.count) items are longer than the block size \(blockSize) and were cut; "
                    + "\(formatted.samples.count - kept.count) of them lost their whole answer and are left out "
                    + "(--block-size \(longest) keeps every item whole)")
        }
        guard !kept.isEmpty else {
            throw ValidationError(
                "no item of \(splitNames) keeps any answer token within the block size \(blockSize): raise --block-size")
        }
        let options = trainingOptions(defaultSteps: 300, defaultBatch: 16, defaultLR: 3e-3)
        let loop = try TrainingLoop(samples: kept, padding: text.special.padding, options: options, blockSize: blockSize)
        let answerTokens = kept.reduce(0) { $0 + $1.answerTokenCount }
        print(
            "data: \(kept.count) items of \(splitNames) from \(directory.path); \(answerTokens) answer tokens in the loss; "
                + "padded length \(loop.sequenceLength)")
        let tokenizerName = tokenizerFile != nil ? "tokenizer.json" : tokenizer!
        let tokens = text is ByteTokenizer ? "byte tokens" : "BPE \(text.vocabSize)"
        try train(
            model, label: choice.path ?? choice.shape.sizeName(), loop: loop, optimizer: { adamW($0, decay: 0.1, eps: 1e-8) },
            what: "\(splitNames) (\(tokens))",
            settings: [
                ("data", JSONText.quoted(directory.path)),
                ("split", JSONText.quoted(splits.map(\.rawValue).joined(separator: ","))),
                ("tokenizer", JSONText.quoted(tokenizerName)),
                ("tokenizer_source", JSONText.quoted(tokenizer!)),
                ("template", JSONText.quoted(formatter.template.prefix)),
                ("from", choice.path.map { JSONText.quoted($0) } ?? "null"),
                ("truncated_items", "\(formatted.truncatedCount)"),
                ("items_without_answer_left_out", "\(formatted.samples.count - kept.count)"),
            ],
            extraFiles: tokenizerFile.map { [("tokenizer.json", $0)] } ?? [])
    }

    private func runMarkov(_ choice: ModelChoice) throws {
        let experiment = markov!
        let setup = MarkovSetup.standard(experiment)
        if let v = choice.shape.vocab, v != setup.states {
            throw ValidationError("--vocab \(v) does not match the \(setup.states) Markov states (leave --vocab out)")
        }
        var shape = try choice.shape.shape(gptDefault: "markov")
        shape.vocabSize = setup.states
        let model = try fresh(shape)
        let dataset = MarkovDataset.generate(setup, rng: RNG(seed: markovSeed))
        var options = trainingOptions(
            defaultSteps: nil, defaultBatch: MarkovTraining.batchSize,
            defaultLR: MarkovTraining.learningRate)
        if steps == nil && epochs == nil { options.length = .epochs(MarkovTraining.epochs) }
        let loop = try MarkovTraining.loop(dataset, retrained: retrained, options: options, blockSize: model.contextLength)
        let groups = MarkovTraining.groups(setup, retrained: retrained)
        print(
            "data: experiment \(experiment.rawValue)\(retrained ? " (retrained)" : ""), \(loop.samples.count) training sequences of "
                + groups.map(\.rawValue).joined(separator: " + ")
                + ", sampled with seed \(markovSeed); padded length \(loop.sequenceLength)")
        let floor = MarkovTraining.bayesLoss(
            MarkovTraining.trainingSequences(dataset, retrained: retrained), setup: setup, groups: groups)
        print(String(format: "best achievable loss (the Bayes-optimal predictor on these sequences): %.4f nats", floor))
        try train(
            model, label: choice.shape.sizeName(gptDefault: "markov"), loop: loop,
            optimizer: { adamW($0, decay: 0, eps: MarkovTraining.adamEpsilon) },
            what: "Markov experiment \(experiment.rawValue)\(retrained ? " (retrained)" : "")",
            settings: [
                ("markov_experiment", JSONText.quoted(experiment.rawValue)),
                ("retrained", retrained ? "true" : "false"),
                ("markov_seed", "\(markovSeed)"),
                ("bayes_loss", JSONText.number(floor)),
                ("groups", JSONText.array(groups.map { JSONText.quoted($0.rawValue) })),
            ],
            extraFiles: [])
    }

    private func runBigram(_ choice: ModelChoice) throws {
        let label = choice.shape.sizeName()
        let model = try fresh(try choice.shape.shape())
        let T = min(seq, model.contextLength)
        let steps = self.steps ?? 300, batch = self.batch ?? 16, lr = self.lr ?? 3e-3
        var dataRNG = RNG(seed: seed).fork(2)
        let data = SparseBigramCorpus(vocabSize: model.vocabSize, seed: seed &+ 1)
        let adam = adamW(model, decay: 0.1, eps: 1e-8)
        print(
            "training \(label) (\(model.parameterCount) parameters) on the bigram corpus: "
                + "\(steps) steps × \(batch)×\(T) tokens, lr \(lr), \(threadOptions.count) threads")
        print(String(format: "best achievable loss (the chain's entropy): %.3f nats", data.entropyPerToken))

        var log = TrainLog(totalSteps: steps, every: logEvery)
        for step in 1...steps {
            let b = data.batch(B: batch, T: T, rng: &dataRNG)
            let rate = scheduleValue.rate(step: step, totalSteps: steps, base: lr)
            let (loss, norm) = try trainingStep(
                model, optimizer: adam, lr: rate, tokens: b.tokens, targets: b.targets,
                mask: b.mask, batch: batch, seq: T, maxGradientNorm: clipGradNorm)
            log.record(
                TrainingStepRecord(
                    step: step, totalSteps: steps, epoch: 0, learningRate: rate, loss: loss,
                    gradientNorm: norm, lossTokens: batch * T))
        }
        try TrainOutput.write(
            to: out, model: model, losses: log.tsv,
            settings: settingsJSON(
                [("corpus", "\"bigram\""), ("seq", "\(T)")], label: label,
                steps: steps, batch: batch, lr: lr, decay: 0.1, eps: 1e-8, log: log),
            extraFiles: [])
        print("wrote \(out)/checkpoint, \(out)/losses.tsv and \(out)/train.json")
    }

    // MARK: Shared

    private var scheduleValue: LearningRateSchedule {
        schedule == .linear ? .linearWarmupDecay(warmupSteps: warmup) : .constant
    }

    private func trainingOptions(defaultSteps: Int?, defaultBatch: Int, defaultLR: Float) -> TrainingOptions {
        let length: TrainingLength = epochs.map { .epochs($0) } ?? .steps(steps ?? defaultSteps ?? 1)
        // The batch order has its own stream, apart from the initialisation's.
        var orderRNG = RNG(seed: seed).fork(2)
        return TrainingOptions(
            length: length, batchSize: batch ?? defaultBatch, learningRate: lr ?? defaultLR,
            schedule: scheduleValue, maxGradientNorm: clipGradNorm, seed: orderRNG.next())
    }

    private func adamW(_ model: any CausalLanguageModel, decay: Float, eps: Float) -> AdamW {
        AdamW(
            count: model.parameterCount, eps: adamEps ?? eps, weightDecay: weightDecay ?? decay,
            decayRanges: matrixRanges(of: model.layout))
    }

    /// A model of `shape` built from scratch, initialised from the run's seed (a GPT with GPT-2's
    /// initialisation).
    private func fresh(_ shape: any ModelShape) throws -> any CausalLanguageModel {
        var initRNG = RNG(seed: seed).fork(1)
        return try shape.initializedModel(rng: &initRNG)
    }

    /// Trains `model`; `label` is what the settings and progress call it (the `--model` path, or
    /// the size's name).
    private func train(
        _ model: any CausalLanguageModel, label: String, loop: TrainingLoop,
        optimizer makeOptimizer: (any CausalLanguageModel) -> AdamW,
        what: String, settings: [(String, String)], extraFiles: [(name: String, data: Data)]
    ) throws {
        let adam = makeOptimizer(model)
        let o = loop.options
        print(
            "training \(label) (\(model.parameterCount) parameters, "
                + "vocabulary \(model.vocabSize), block \(model.contextLength)) on \(what): \(loop.totalSteps) steps "
                + "(\(loop.batches.batchesPerEpoch) per epoch) × \(o.batchSize)×\(loop.sequenceLength), lr \(o.learningRate) "
                + "\(schedule.rawValue)\(schedule == .linear ? " (warm-up \(warmup))" : ""), weight decay \(adam.weightDecay), eps \(adam.eps)"
                + (o.maxGradientNorm.map { ", clip \($0)" } ?? "") + ", \(threadOptions.count) threads")
        // A snapshot in OUT/resume of a run with the same settings is where this one goes on from.
        let resume = out + "/resume"
        let key = settingsJSON(
            settings, label: label, steps: loop.totalSteps, batch: o.batchSize, lr: o.learningRate,
            decay: adam.weightDecay, eps: adam.eps, log: nil)
        let snapshot = try TrainingSnapshot.resume(from: resume, settings: key, model: model, optimizer: adam)
        var log = TrainLog(totalSteps: loop.totalSteps, every: logEvery, resuming: snapshot)
        if let snapshot { print("resuming after step \(snapshot.step) of \(loop.totalSteps) from \(resume)") }
        var stoppedAfter: Int?
        _ = try loop.run(
            model: model, optimizer: adam, resumingAfter: snapshot?.step ?? 0, progress: { log.record($0) },
            afterStep: { step in
                guard let every = saveEvery, step % every == 0, step < loop.totalSteps else { return true }
                try TrainingSnapshot(step: step, settings: key, log: log.rows).save(model: model, optimizer: adam, to: resume)
                guard let limit = timeLimit, log.seconds >= limit else { return true }
                stoppedAfter = step
                return false
            })
        if let step = stoppedAfter {
            print(
                "stopped after step \(step) of \(loop.totalSteps) (--time-limit); its snapshot is in \(resume): run the same command again to go on"
            )
            throw ExitCode(75)
        }
        let epochsDone = Double(loop.totalSteps) / Double(loop.batches.batchesPerEpoch)
        let settings =
            settings + [
                ("epochs", JSONText.number(epochsDone)), ("sequence_length", "\(loop.sequenceLength)"),
                ("training_samples", "\(loop.samples.count)"),
            ]
        try TrainOutput.write(
            to: out, model: model, losses: log.tsv,
            settings: settingsJSON(
                settings, label: label, steps: loop.totalSteps, batch: o.batchSize,
                lr: o.learningRate, decay: adam.weightDecay, eps: adam.eps, log: log),
            extraFiles: extraFiles)
        try? FileManager.default.removeItem(atPath: resume)
        print("wrote \(out)/checkpoint, \(out)/losses.tsv, \(out)/train.json" + extraFiles.map { ", \(out)/\($0.name)" }.joined())
    }

    /// train.json: the settings, and with `log` the run's thread count, losses and time (without
    /// them, what determines the trajectory: a snapshot's `settings`).
    private func settingsJSON(
        _ specific: [(String, String)], label: String, steps: Int, batch: Int, lr: Float,
        decay: Float, eps: Float, log: TrainLog?
    ) -> String {
        var pairs: [(String, String)] = [("model", JSONText.quoted(label))]
        pairs += specific
        pairs += [
            ("steps", "\(steps)"), ("batch", "\(batch)"), ("lr", JSONText.number(Double(lr))),
            ("schedule", JSONText.quoted(schedule.rawValue)), ("warmup", "\(warmup)"),
            ("clip_grad_norm", clipGradNorm.map(JSONText.number) ?? "null"),
            ("weight_decay", JSONText.number(Double(decay))), ("adam_eps", JSONText.number(Double(eps))),
            ("seed", "\(seed)"), ("kernels", JSONText.quoted(BLAS.kernels)),
        ]
        if let log {
            pairs += [
                ("threads", "\(threadOptions.count)"),
                ("first_loss", JSONText.number(log.first)), ("final_loss", JSONText.number(log.last)),
                ("seconds", JSONText.number((log.seconds * 1000).rounded() / 1000)),
                ("resumed_after_step", log.resumedAfter > 0 ? "\(log.resumedAfter)" : "null"),
            ]
        }
        return "{\n" + pairs.map { "  " + JSONText.quoted($0.0) + ": " + $0.1 }.joined(separator: ",\n") + "\n}\n"
    }
}

/// The losses.tsv rows and the progress of a run (of this sitting, when it resumes a snapshot).
private struct TrainLog {
    static let header = "step\tepoch\tlr\tloss\tgrad_norm\n"
    let every: Int
    /// The steps a snapshot had made before this sitting.
    let resumedAfter: Int
    var bar: ProgressBar
    /// One line per step, without the header.
    var rows = ""
    var first = Double.nan, last = Double.nan
    var tsv: String { Self.header + rows }
    /// Seconds of this sitting.
    var seconds: Double { bar.elapsed }

    init(totalSteps: Int, every: Int, resuming snapshot: TrainingSnapshot? = nil) {
        self.every = every
        resumedAfter = snapshot?.step ?? 0
        bar = ProgressBar(total: totalSteps - resumedAfter)
        if let snapshot {
            rows = snapshot.log
            let losses = rows.split(separator: "\n").compactMap {
                $0.split(separator: "\t").dropFirst(3).first.flatMap { Double($0) }
            }
            first = losses.first ?? .nan
            last = losses.last ?? .nan
        }
    }

    mutating func record(_ r: TrainingStepRecord) {
        rows += "\(r.step)\t\(r.epoch)\t\(r.learningRate)\t\(r.loss)\t\(r.gradientNorm)\n"
        if r.step == 1 { first = r.loss }
        last = r.loss
        let done = r.step - resumedAfter
        if r.step % every == 0 || done == 1 || r.step == r.totalSteps {
            bar.log(
                String(
                    format: "step %5d/%d  epoch %3d  lr %.3e  loss %.4f  grad %.3f  %6.1f ms/step  ETA ",
                    r.step, r.totalSteps, r.epoch, Double(r.learningRate), r.loss, r.gradientNorm,
                    seconds / Double(done) * 1000) + ProgressBar.duration(bar.remaining(after: done)))
        }
        bar.update(done)
    }
}

/// Writing a run's files all at once: everything goes into a temporary sibling directory first;
/// only when all of it is written are the entries moved into OUT (replacing older ones of the
/// same names, leaving other files in OUT alone).
enum TrainOutput {
    /// OUT must be a directory or not exist (checked before training).
    static func checkUsable(_ out: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw ValidationError("--out \(out) exists and is not a directory")
        }
    }

    static func write(
        to out: String, model: any CausalLanguageModel, losses: String, settings: String,
        extraFiles: [(name: String, data: Data)]
    ) throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: out).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let temp = parent.appendingPathComponent(
            ".\(target.lastPathComponent).train-tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: temp, withIntermediateDirectories: false)
        defer { try? fm.removeItem(at: temp) }
        try model.saveCheckpoint(to: temp.appendingPathComponent("checkpoint").path)
        let files =
            [("losses.tsv", Data(losses.utf8)), ("train.json", Data(settings.utf8))] + extraFiles.map { ($0.name, $0.data) }
        for (name, data) in files { try data.write(to: temp.appendingPathComponent(name)) }

        try fm.createDirectory(at: target, withIntermediateDirectories: true)
        for name in ["checkpoint"] + files.map(\.0) {
            let destination = target.appendingPathComponent(name)
            if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
            try fm.moveItem(at: temp.appendingPathComponent(name), to: destination)
        }
    }
}
