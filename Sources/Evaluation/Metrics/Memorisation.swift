/// Exact memorisation and extraction strength from teacher-forced argmax predictions, as
/// open-unlearning computes them (`src/evals/metrics/memorization.py`, `exact_memorization` and
/// `extraction_strength`). `argmaxMatchesLabel[t]` says whether the argmax of the model's
/// next-token distribution at answer position t equals the label token (positions from
/// `tokenwise_vocab_logprobs`: the label tokens without the last one).
package enum Memorisation {
    /// EM = (1/T) Σ_t [argmax_t = y_t]; nil for T = 0 (open-unlearning records None and skips it).
    package static func exactMemorisation(argmaxMatchesLabel matches: [Bool]) -> Double? {
        guard !matches.isEmpty else { return nil }
        return Double(matches.lazy.filter { $0 }.count) / Double(matches.count)
    }

    /// ES = 1 − k/T with k the smallest index whose suffix is reproduced entirely
    /// (argmax_t = y_t for all t ≥ k). As in open-unlearning's loop `for k in range(T): … break`,
    /// k stays at T − 1 when no suffix matches (not even the last token), so ES = 1/T then;
    /// ES = 0 for T = 0.
    package static func extractionStrength(argmaxMatchesLabel matches: [Bool]) -> Double {
        guard !matches.isEmpty else { return 0 }
        let T = matches.count
        // The start of the longest all-true suffix; T when the last token does not match.
        var start = T
        while start > 0 && matches[start - 1] { start -= 1 }
        let k = min(start, T - 1)
        return 1 - Double(k) / Double(T)
    }
}
