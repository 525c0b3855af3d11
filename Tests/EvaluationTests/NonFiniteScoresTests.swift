import Datasets
import Evaluation
import Foundation
import Model
import NumericCore
import Testing

/// A model with NaN or infinite weights is not scored: the scorers throw `NonFiniteModelOutput`
/// (issue 15, finding 8c: `eval` of a NaN model wrote truth ratio 0.0 and extraction strength
/// 0.03, numbers that look valid). The binary's exit status 1 is tested in ExperimentsTests.
@Suite struct NonFiniteScoresTests {
    static func model(poison: Float?) throws -> GPT {
        let model = try GPT(config: GPTConfig(nLayer: 1, nHead: 2, nEmbd: 16, vocabSize: 10, blockSize: 32))
        var rng = RNG(seed: 4)
        model.initializeGPT2(rng: &rng)
        if let poison { model.parameters[model.parameterCount / 2] = poison }
        return model
    }

    static let samples = [
        FormattedSample(ids: [1, 2, 3, 4, 5], answerRange: 3..<5), FormattedSample(ids: [2, 3, 4], answerRange: 1..<3),
    ]

    @Test func finiteModelsAreScored() throws {
        let scores = try AnswerScorer.score(Self.model(poison: nil), samples: Self.samples)
        #expect(scores.count == 2 && scores.allSatisfy { $0.logProbs.allSatisfy(\.isFinite) })
    }

    @Test(arguments: [Float.nan, .infinity])
    func nonFiniteModelsAreRefused(poison: Float) throws {
        let model = try Self.model(poison: poison)
        #expect(throws: NonFiniteModelOutput.self) { _ = try AnswerScorer.score(model, samples: Self.samples) }
        let evaluator = MarkovEvaluator(setup: .standard(.A), seed: 7, perGroup: 3)
        #expect(throws: NonFiniteModelOutput.self) { _ = try evaluator.kl(model) }
    }

    @Test func theMessageSaysWhereAndWhat() {
        let error = NonFiniteModelOutput(position: "answer target 1 of sample 2", value: .nan)
        #expect(error.description.hasPrefix("the model's log-probability at answer target 1 of sample 2 is nan"))
    }
}
