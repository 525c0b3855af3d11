import Datasets
import NumericCore

/// `count` random "QA" samples over ids 1..<vocab: a 2–4 token question, then a 3–8 token answer
/// (the loss mask), from `seed`.
package func randomQASamples(_ count: Int, vocab: Int, seed: UInt64) -> [FormattedSample] {
    var rng = RNG(seed: seed)
    return (0..<count).map { _ in
        let question = 2 + rng.below(3), answer = 3 + rng.below(6)
        return FormattedSample(
            ids: (0..<(question + answer)).map { _ in Int32(1 + rng.below(vocab - 1)) },
            answerRange: question..<(question + answer))
    }
}
