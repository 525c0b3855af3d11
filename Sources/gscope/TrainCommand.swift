import ArgumentParser
import Datasets
import Foundation
import Model
import NumericCore
import Unlearning

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a GPT from scratch and save a checkpoint.",
        discussion: """
        --corpus bigram trains on sequences from a seeded sparse bigram chain (4 successors \
        per token, probabilities 0.4/0.3/0.2/0.1); the best achievable loss, the chain's \
        entropy of 1.28 nats, is printed beside the curve. (QA data sets such as TOFU arrive \
        with the data layer.)

        Writes OUT/checkpoint/ (model.safetensors and config.json, loadable in PyTorch with \
        notebooks-scripts/parity/gpt_torch.py) and OUT/losses.tsv (step, loss).

        Example:
          gscope train --corpus bigram --model tiny --steps 300 --out runs/demo
        """)

    enum Corpus: String, ExpressibleByArgument, CaseIterable { case bigram }

    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var threadOptions: ThreadOptions
    @Option(help: "Training data: \(Corpus.allCases.map(\.rawValue).joined(separator: ", ")).")
    var corpus: Corpus = .bigram
    @Option(help: "Optimiser steps.") var steps: Int = 300
    @Option(help: "Sequences per batch.") var batch: Int = 16
    @Option(help: "Tokens per sequence (at most the block size).") var seq: Int = 64
    @Option(help: "AdamW learning rate.") var lr: Float = 3e-3
    @Option(help: "AdamW weight decay (matrices only).") var weightDecay: Float = 0.1
    @Option(help: "Seed of the run's random numbers (initialisation and data).") var seed: UInt64 = 0
    @Option(help: "Print the loss every this many steps.") var logEvery: Int = 10
    @Option(help: "Output directory.") var out: String

    func run() throws {
        try threadOptions.apply()
        let config = try modelOptions.config()
        let T = min(seq, config.blockSize)
        guard steps >= 1, batch >= 1, logEvery >= 1 else { throw ValidationError("--steps, --batch and --log-every must be positive") }

        let rng = RNG(seed: seed)
        var initRNG = rng.fork(1), dataRNG = rng.fork(2)
        let model = try GPT(config: config)
        model.initializeGPT2(rng: &initRNG)
        let data = SparseBigramCorpus(vocabSize: config.vocabSize, seed: seed &+ 1)
        let adam = AdamW(count: model.parameterCount, weightDecay: weightDecay, decayRanges: matrixRanges(of: model.layout))
        print("training \(modelOptions.model) (\(model.parameterCount) parameters) on the \(corpus.rawValue) corpus: " +
              "\(steps) steps × \(batch)×\(T) tokens, lr \(lr), \(threadOptions.threads) threads")
        print(String(format: "best achievable loss (the chain's entropy): %.3f nats", data.entropyPerToken))

        var log = "step\tloss\n"
        let start = Date()
        for step in 1...steps {
            let b = data.batch(B: batch, T: T, rng: &dataRNG)
            let loss = try languageModelStep(model, optimizer: adam, lr: lr, tokens: b.tokens, targets: b.targets,
                                             mask: b.mask, batch: batch, seq: T)
            log += "\(step)\t\(loss)\n"
            if step % logEvery == 0 || step == 1 || step == steps {
                let elapsed = Date().timeIntervalSince(start)
                print(String(format: "step %5d/%d  loss %.4f  %6.1f ms/step", step, steps, loss, elapsed / Double(step) * 1000))
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Checkpoint.save(config: config, parameters: model.parameters.array, to: out + "/checkpoint")
        try log.write(toFile: out + "/losses.tsv", atomically: true, encoding: .utf8)
        print("wrote \(out)/checkpoint and \(out)/losses.tsv")
    }
}
