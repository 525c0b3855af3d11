import Datasets
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// The unlearning loop on a tiny random model and random "QA" samples: it unlearns, it is
/// deterministic, its batches cover the forget set, and the reference model stays frozen.
@Suite("Unlearning loop")
struct UnlearnerTests {
    static let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 16, vocabSize: 23, blockSize: 16)

    static func samples(_ count: Int, seed: UInt64) -> [FormattedSample] {
        randomQASamples(count, vocab: config.vocabSize, seed: seed)
    }

    static let data = UnlearningData(
        forget: samples(10, seed: 1), refusal: samples(10, seed: 2),
        retain: samples(30, seed: 3), padding: 0)

    /// A model that has learned the forget and retain samples a little (so unlearning has
    /// something to undo), from a fixed seed.
    static func trainedModel() throws -> GPT {
        let model = try GPT(config: config)
        var rng = RNG(seed: 4)
        model.initializeGPT2(rng: &rng)
        let adam = AdamW(count: model.parameterCount)
        let all = data.forget + data.retain
        for step in 0..<30 {
            let b = TokenBatch(
                samples: all, indices: (0..<8).map { (step * 8 + $0) % all.count }, padding: 0,
                fixedLength: data.sequenceLength)
            _ = try trainingStep(
                model, optimizer: adam, lr: 1e-2, tokens: b.tokens, targets: b.targets, mask: b.mask,
                batch: b.batch, seq: b.seq
            ).loss
        }
        return model
    }

    static func unlearner(_ objective: UnlearningObjective, steps: Int, seed: UInt64 = 0) throws -> Unlearner {
        let model = try trainedModel()
        return try Unlearner(
            model: model, objective: objective,
            optimizer: AdamW(count: model.parameterCount), data: data,
            options: UnlearningOptions(
                length: .steps(steps), forgetBatch: 4, retainBatch: 4,
                learningRate: 3e-3, seed: seed))
    }

    @Test func gradientAscentRaisesTheForgetNLL() throws {
        let u = try Self.unlearner(.init(forget: GradientAscent()), steps: 10)
        let before = try meanAnswerNLL(u.model, samples: Self.data.forget)
        try u.run()
        let after = try meanAnswerNLL(u.model, samples: Self.data.forget)
        #expect(after > before + 0.5, "forget NLL \(before) → \(after)")
    }

    @Test func sameSeedSameParameters() throws {
        let objective = UnlearningObjective(forget: NPO(beta: 1), retain: RetainKL())
        let a = try Self.unlearner(objective, steps: 4, seed: 9), b = try Self.unlearner(objective, steps: 4, seed: 9)
        try a.run(); try b.run()
        #expect(a.model.parameters.array == b.model.parameters.array)
        let c = try Self.unlearner(objective, steps: 4, seed: 10)
        #expect(
            c.batch(step: 1).forgetIndices != a.batch(step: 1).forgetIndices
                || c.batch(step: 2).forgetIndices != a.batch(step: 2).forgetIndices)
    }

    /// Each epoch visits every forget instance once; the last batch of an epoch is the remainder.
    @Test func forgetBatchesCoverEveryEpoch() throws {
        let u = try Self.unlearner(.init(forget: GradientAscent(), retain: RetainNLL()), steps: 6)
        for epoch in 0..<2 {
            let steps = (epoch * 3 + 1)...(epoch * 3 + 3)
            let seen = steps.flatMap { u.batch(step: $0).forgetIndices }
            #expect(seen.sorted() == Array(0..<10))
            #expect(steps.map { u.batch(step: $0).forgetIndices.count } == [4, 4, 2])
            #expect(u.batch(step: steps.lowerBound).rows[.retain]?.count == 4)
        }
    }

    /// NPO starts at θ = θ_o, where every instance weight is 2σ(0) = 1; the reference stays θ_o.
    @Test func npoStartsAtWeightOneAndTheReferenceStaysFrozen() throws {
        let u = try Self.unlearner(.init(forget: NPO(beta: 0.5)), steps: 5)
        let start = u.model.parameters.array
        let first = try u.step(1)
        #expect(first.evaluation.forget.instanceWeights.allSatisfy { abs($0 - 1) < 1e-12 })
        for s in 2...5 { _ = try u.step(s) }
        #expect(u.reference!.parameters.array == start)
        #expect(u.model.parameters.array != start)
        let last = try u.step(6)
        #expect(last.evaluation.forget.instanceWeights.allSatisfy { $0 < 1 })
    }

    @Test func refusalObjectivesNeedRefusals() throws {
        let model = try GPT(config: Self.config)
        let noRefusals = UnlearningData(forget: Self.data.forget, retain: Self.data.retain, padding: 0)
        #expect(throws: UnlearningError.self) {
            try Unlearner(
                model: model, objective: .init(forget: IdkDPO()), optimizer: SGD(), data: noRefusals,
                options: UnlearningOptions(length: .steps(1), learningRate: 1e-3))
        }
    }
}
