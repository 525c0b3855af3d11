import Datasets
import Evaluation
import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// The Markov KL metric of a model: batched and padded passes give what one sequence at a time gives.
@Suite("Markov metrics")
struct MarkovEvaluatorTests {
    @Test func batchedKLEqualsOneSequenceAtATime() throws {
        let setup = MarkovSetup.standard(.A)
        let evaluator = MarkovEvaluator(setup: setup, seed: 7, perGroup: 12)
        #expect(evaluator.test[.forget2]!.count == 12 && evaluator.test[.forget2]!.allSatisfy { $0.tokens.count == 5 })
        let model = try GPT(config: GPTConfig(nLayer: 2, nHead: 2, nEmbd: 16, vocabSize: 10, blockSize: 32))
        var rng = RNG(seed: 3)
        model.initializeGPT2(rng: &rng)
        for i in 0..<model.parameterCount { model.parameters[i] *= 4 }
        let batched = try evaluator.kl(model, chunk: 5)

        for (group, sequences) in evaluator.test {
            var total = 0.0, count = 0
            for s in sequences {
                let ids = s.tokens.map(Int32.init), T = ids.count - 1
                try model.forward(
                    tokens: Array(ids.dropLast()), targets: Array(ids.dropFirst()),
                    mask: Array(repeating: 1, count: T), batch: 1, seq: T)
                for t in 0..<T {
                    let row = (0..<10).map { Double(model.logits[t * 10 + $0]) }
                    let m = row.max()!, z = row.map { exp($0 - m) }.reduce(0, +)
                    let q = row.map { exp($0 - m) / z }
                    total += MarkovKL.divergence(setup.chain(group).transition[s.tokens[t]], q)
                    count += 1
                }
            }
            let expected = total / Double(count)
            #expect(abs(batched[group]! - expected) <= 1e-6 * expected, "\(group): \(batched[group]!) vs \(expected)")
        }
        let references = evaluator.references()
        #expect(references.retrained[.retain]! == 0 && references.bayes[.forget1]! > 0)
    }
}
