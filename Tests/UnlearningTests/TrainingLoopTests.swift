import Datasets
import Foundation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// A fresh empty directory under the system's temporary directory.
private func temporaryDirectory(_ label: String) -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("gscope-\(label)-\(UUID().uuidString.prefix(8))").path
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite("Training loop")
struct TrainingLoopTests {
    static let blockSize = 128
    static let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 32, vocabSize: 259, blockSize: blockSize)

    /// The retain split of a 10-author synthetic benchmark, written to and read back from disk as
    /// the command line does, formatted with the byte tokenizer and cut to the block size.
    static let qaSamples: [FormattedSample] = {
        let directory = temporaryDirectory("train-qa")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try! SyntheticTOFU(authors: 10, seed: 0).write(to: directory + "/synth", force: false)
        let items = try! TOFUDirectory(path: directory + "/synth").load(.retain90)
        let formatted = QAFormatter(tokenizer: ByteTokenizer(), maxLength: blockSize).format(items)
        return formatted.samples.filter { !$0.maskedPositions.isEmpty }
    }()

    static func train(seed: UInt64, steps: Int, options change: (inout TrainingOptions) -> Void = { _ in })
        throws -> (losses: [Double], records: [TrainingStepRecord], parameters: [Float])
    {
        var initRNG = RNG(seed: seed).fork(1)
        let model = try GPT(config: config)
        model.initializeGPT2(rng: &initRNG)
        var options = TrainingOptions(
            length: .steps(steps), batchSize: 8, learningRate: 3e-3,
            schedule: .linearWarmupDecay(warmupSteps: 4), maxGradientNorm: 1, seed: seed)
        change(&options)
        let loop = try TrainingLoop(
            samples: qaSamples, padding: ByteTokenizer().special.padding, options: options,
            blockSize: blockSize)
        let adam = AdamW(count: model.parameterCount, weightDecay: 0.1, decayRanges: matrixRanges(of: model.layout))
        var records: [TrainingStepRecord] = []
        let losses = try loop.run(model: model, optimizer: adam) { records.append($0) }
        return (losses, records, model.parameters.array)
    }

    /// The answer NLL of the tiny model falls from about log 259 = 5.56 nats by well over a nat in
    /// 40 steps (it reaches about 3 once the byte frequencies of answers are learned).
    @Test func qaTrainingLowersTheAnswerLoss() throws {
        #expect(Self.qaSamples.count >= 100)
        let run = try Self.train(seed: 1, steps: 40)
        #expect(run.losses.count == 40)
        #expect(abs(run.losses[0] - Foundation.log(259.0)) < 0.3)
        let last = run.losses.suffix(5).reduce(0, +) / 5
        #expect(last < run.losses[0] - 1.5, "first \(run.losses[0]), last five \(last)")
        // The records carry the schedule (HF: step 1 of a warm-up has rate 0) and the epochs.
        #expect(run.records.map(\.step) == Array(1...40))
        #expect(run.records[0].learningRate == 0)
        #expect(run.records[4].learningRate == 3e-3)
        #expect(run.records.allSatisfy { $0.lossTokens > 0 && $0.gradientNorm > 0 })
        let perEpoch = (Self.qaSamples.count + 7) / 8
        #expect(run.records.last!.epoch == 39 / perEpoch)
    }

    @Test func sameSeedSameBits() throws {
        try withFixedThreadCount {
            let a = try Self.train(seed: 5, steps: 6), b = try Self.train(seed: 5, steps: 6)
            #expect(a.losses == b.losses)
            #expect(a.parameters == b.parameters)
            let c = try Self.train(seed: 6, steps: 6)
            #expect(a.parameters != c.parameters)
        }
    }

    /// Every batch has the run's shape; the last batch of an epoch is filled with empty rows,
    /// which change neither the loss nor the gradient.
    @Test func batchesArePaddedToOneShape() throws {
        let samples = Array(Self.qaSamples.prefix(10))
        let options = TrainingOptions(length: .epochs(2), batchSize: 4, learningRate: 1e-3, seed: 0)
        let loop = try TrainingLoop(samples: samples, padding: 258, options: options, blockSize: Self.blockSize)
        #expect(loop.totalSteps == 6)
        #expect(loop.sequenceLength == samples.map(\.length).max()!)
        let T = loop.sequenceLength
        let padded = loop.paddedBatch(indices: [2, 7])
        #expect(padded.tokens.count == 4 * T && padded.mask.count == 4 * T)
        #expect(padded.tokens[(2 * T)...].allSatisfy { $0 == 258 })
        #expect(padded.targets[(2 * T)...].allSatisfy { $0 == -1 })
        #expect(padded.mask[(2 * T)...].allSatisfy { $0 == 0 })

        var rng = RNG(seed: 2)
        let model = try GPT(config: Self.config)
        model.initializeGPT2(rng: &rng)
        let real = TokenBatch(samples: samples, indices: [2, 7], padding: 258)
        let lossReal = try model.forward(tokens: real.tokens, targets: real.targets, mask: real.mask, batch: 2, seq: real.seq)
        let lossPadded = try model.forward(tokens: padded.tokens, targets: padded.targets, mask: padded.mask, batch: 4, seq: T)
        #expect(abs(lossReal - lossPadded) <= 1e-6 * lossReal)
    }

    @Test func badInputIsRefusedBeforeTraining() throws {
        let options = TrainingOptions(length: .steps(1), batchSize: 4, learningRate: 1e-3)
        #expect(throws: TrainingError.self) { try TrainingLoop(samples: [], padding: 0, options: options, blockSize: 8) }
        let long = FormattedSample(ids: Array(repeating: 1, count: 20), answerRange: 10..<20)
        #expect(throws: TrainingError.self) { try TrainingLoop(samples: [long], padding: 0, options: options, blockSize: 8) }
        var zeroSteps = options
        zeroSteps.length = .steps(0)
        #expect(throws: TrainingError.self) { try TrainingLoop(samples: [long], padding: 0, options: zeroSteps, blockSize: 32) }
        // Token ids beyond the model's vocabulary: refused before any update.
        let model = try GPT(config: GPTConfig(nLayer: 1, nHead: 1, nEmbd: 8, vocabSize: 16, blockSize: 32))
        let wide = FormattedSample(ids: [1, 2, 300, 4], answerRange: 2..<4)
        let loop = try TrainingLoop(samples: [wide], padding: 0, options: options, blockSize: 32)
        let before = model.parameters.array
        #expect(throws: TrainingError.self) { _ = try loop.run(model: model, optimizer: SGD()) }
        #expect(model.parameters.array == before)
    }
}

@Suite("Markov training")
struct MarkovTrainingTests {
    static let setup: MarkovSetup = {
        var s = MarkovSetup.standard(.A)
        s.counts = [.retain: 400, .forget1: 200, .forget2: 200]
        return s
    }()

    @Test func sequencesBecomeShiftedFullyMaskedSamples() {
        let data = MarkovDataset.generate(Self.setup, rng: RNG(seed: 0))
        let all = MarkovTraining.trainingSequences(data, retrained: false)
        #expect(all.count == data.train.count)   // A trains on every group
        let retainOnly = MarkovTraining.trainingSequences(data, retrained: true)
        #expect(retainOnly.count == Self.setup.trainCount(.retain) && retainOnly.allSatisfy { $0.chain == .retain })
        var b = Self.setup
        b.experiment = .B
        #expect(
            !MarkovTraining.trainingSequences(MarkovDataset.generate(b, rng: RNG(seed: 0)), retrained: false)
                .contains { $0.chain == .forget2 })

        let samples = MarkovTraining.samples(all)
        let long = samples.first { $0.length == 19 }!, short = samples.first { $0.length == 4 }!
        #expect(long.mask == [Float](repeating: 1, count: 19))
        #expect(Array(long.inputs) + [long.ids.last!] == long.ids)
        #expect(short.mask == [1, 1, 1, 1])
        let batch = TokenBatch(samples: [long, short], indices: [0, 1], padding: MarkovTraining.padding, fixedLength: 19)
        #expect(batch.maskedCount == 23)
        #expect(batch.targets[(19 + 4)..<38].allSatisfy { $0 == -1 })
    }

    @Test func recipeDefaults() {
        let o = MarkovTraining.options(seed: 3)
        #expect(
            o
                == TrainingOptions(
                    length: .epochs(5), batchSize: 128, learningRate: 5e-4, schedule: .constant,
                    maxGradientNorm: nil, seed: 3))
        let adam = MarkovTraining.optimizer(for: try! GPT(config: .markov))
        #expect(adam.eps == 1e-6 && adam.weightDecay == 0)
        #expect(GPTConfig.markov.vocabSize == 10 && GPTConfig.markov.blockSize >= 19)
    }

    /// A short run on a small mixture lowers the token-mean CE from log 10 = 2.30 nats.
    @Test func shortRunLowersTheLoss() throws {
        let data = MarkovDataset.generate(Self.setup, rng: RNG(seed: 1))
        let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 32, vocabSize: 10, blockSize: 32)
        var options = MarkovTraining.options(seed: 1)
        options.length = .steps(40)
        options.batchSize = 32
        options.learningRate = 5e-3
        let loop = try MarkovTraining.loop(data, retrained: false, options: options, blockSize: config.blockSize)
        #expect(loop.sequenceLength == 19)
        var rng = RNG(seed: 1)
        let model = try GPT(config: config)
        model.initializeGPT2(rng: &rng)
        let losses = try loop.run(model: model, optimizer: MarkovTraining.optimizer(for: model))
        #expect(abs(losses[0] - Foundation.log(10.0)) < 0.1)
        let last = losses.suffix(5).reduce(0, +) / 5
        #expect(last < losses[0] - 0.2, "first \(losses[0]), last five \(last)")
        let floor = MarkovTraining.bayesLoss(
            MarkovTraining.trainingSequences(data, retrained: false), setup: Self.setup,
            groups: Self.setup.trainedGroups)
        #expect(floor > 1.5 && floor < 2.1)
        #expect(last > floor - 0.05, "last five \(last) below the Bayes floor \(floor)")
    }
}
