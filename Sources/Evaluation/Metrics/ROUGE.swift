/// ROUGE-1 and ROUGE-L as Google's `rouge_score` (0.1.2) computes them for
/// `RougeScorer(["rouge1", "rougeL"], use_stemmer=True).score(target, prediction)`, the call
/// open-unlearning's `eval_text_similarity` makes with target = the ground-truth answer and
/// prediction = the model's generation (`scorer.score(gt, gen)`).
///
/// Tokens: Python's `str.lower()`, every run of characters outside [a-z0-9] replaced by a space,
/// split on spaces; tokens longer than three characters Porter-stemmed (NLTK); empty tokens dropped.
/// With T the target tokens, P the prediction tokens and c(·) token counts:
/// - ROUGE-1 recall = Σ_{t ∈ T} min(c_T(t), c_P(t)) / max(|T|, 1), precision divides by max(|P|, 1);
/// - ROUGE-L recall = LCS(T, P)/|T|, precision = LCS(T, P)/|P| (0 if T or P is empty);
/// - F1 = 2pr/(p + r), 0 when p + r = 0.
package enum ROUGE {
    /// Precision, recall and F-measure of one ROUGE type.
    package struct Score: Sendable, Equatable {
        package let precision: Double
        package let recall: Double
        package let fmeasure: Double

        init(precision: Double, recall: Double) {
            self.precision = precision
            self.recall = recall
            fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
    }

    /// ROUGE-1 and ROUGE-L of one generation against its ground truth.
    package struct Scores: Sendable, Equatable {
        package let rouge1: Score
        package let rougeL: Score
    }

    /// `RougeScorer(["rouge1", "rougeL"], use_stemmer=True).score(target=groundTruth, prediction=generation)`.
    package static func score(groundTruth: String, generation: String) -> Scores {
        let stemmer = PorterStemmer()
        let target = tokenize(groundTruth, stemmer: stemmer)
        let prediction = tokenize(generation, stemmer: stemmer)
        return Scores(
            rouge1: unigramScore(target: target, prediction: prediction),
            rougeL: longestCommonSubsequenceScore(target: target, prediction: prediction))
    }

    /// `rouge_score.tokenize.tokenize(text, stemmer)`.
    package static func tokenize(_ text: String, stemmer: PorterStemmer?) -> [String] {
        var tokens = [String]()
        var current = String.UnicodeScalarView()
        func flush() {
            guard !current.isEmpty else { return }
            let token = String(current)
            current = String.UnicodeScalarView()
            if let stemmer, token.unicodeScalars.count > 3 {
                let stemmed = stemmer.stem(token)
                if isValidToken(stemmed) { tokens.append(stemmed) }
            } else {
                tokens.append(token)
            }
        }
        for scalar in text.lowercased().unicodeScalars {
            if isLowerAlphanumeric(scalar) { current.append(scalar) } else { flush() }
        }
        flush()
        return tokens
    }

    static func isLowerAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("0"..."9").contains(c)
    }

    /// `^[a-z0-9]+$`.
    static func isValidToken(_ token: String) -> Bool {
        !token.isEmpty && token.unicodeScalars.allSatisfy(isLowerAlphanumeric)
    }

    /// ROUGE-1 (`_score_ngrams` on unigram counts).
    package static func unigramScore(target: [String], prediction: [String]) -> Score {
        var targetCounts = [String: Int](), predictionCounts = [String: Int]()
        for token in target { targetCounts[token, default: 0] += 1 }
        for token in prediction { predictionCounts[token, default: 0] += 1 }
        let overlap = targetCounts.reduce(0) { $0 + min($1.value, predictionCounts[$1.key] ?? 0) }
        return Score(
            precision: Double(overlap) / Double(max(prediction.count, 1)),
            recall: Double(overlap) / Double(max(target.count, 1)))
    }

    /// ROUGE-L (`_score_lcs`).
    package static func longestCommonSubsequenceScore(target: [String], prediction: [String]) -> Score {
        guard !target.isEmpty, !prediction.isEmpty else { return Score(precision: 0, recall: 0) }
        let lcs = longestCommonSubsequenceLength(target, prediction)
        return Score(precision: Double(lcs) / Double(prediction.count), recall: Double(lcs) / Double(target.count))
    }

    /// The length of a longest common subsequence (dynamic programming, two rows).
    package static func longestCommonSubsequenceLength(_ a: [String], _ b: [String]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1), current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
