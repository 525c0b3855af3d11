import Evaluation
import Testing

/// `ROUGE` against `rouge_score`'s `RougeScorer(["rouge1", "rougeL"], use_stemmer=True)` and
/// `PorterStemmer` against nltk's `PorterStemmer()` (NLTK_EXTENSIONS): exact equality.
@Suite("Evaluation: ROUGE and the Porter stemmer")
struct ROUGETests {
    @Test("rouge_score parity: tokens and precision/recall/F of ROUGE-1 and ROUGE-L, exactly")
    func rougeParity() {
        let stemmer = PorterStemmer()
        for c in MetricsFixture.shared.rouge {
            #expect(ROUGE.tokenize(c.target, stemmer: stemmer) == c.target_tokens, "\(c.target)")
            #expect(ROUGE.tokenize(c.prediction, stemmer: stemmer) == c.prediction_tokens, "\(c.prediction)")
            let s = ROUGE.score(groundTruth: c.target, generation: c.prediction)
            #expect([s.rouge1.precision, s.rouge1.recall, s.rouge1.fmeasure] == c.rouge1, "\(c.target) | \(c.prediction)")
            #expect([s.rougeL.precision, s.rougeL.recall, s.rougeL.fmeasure] == c.rougeL, "\(c.target) | \(c.prediction)")
        }
    }

    @Test("nltk PorterStemmer parity on the fixture vocabulary (synthetic forget01 words and rule examples)")
    func porterParity() {
        let stemmer = PorterStemmer()
        let pairs = MetricsFixture.shared.porter
        #expect(pairs.count > 1000)
        for pair in pairs {
            #expect(stemmer.stem(pair[0]) == pair[1], "\(pair[0])")
        }
    }

    @Test("nltk's published examples (porter.py docstrings, NLTK_EXTENSIONS)")
    func publishedExamples() {
        let stemmer = PorterStemmer()
        let examples: [(String, String)] = [
            ("caresses", "caress"), ("ponies", "poni"), ("ties", "tie"), ("caress", "caress"),
            ("cats", "cat"), ("feed", "feed"), ("agreed", "agre"), ("plastered", "plaster"),
            ("bled", "bled"), ("motoring", "motor"), ("sing", "sing"), ("conflated", "conflat"),
            ("troubled", "troubl"), ("sized", "size"), ("hopping", "hop"), ("tanned", "tan"),
            ("falling", "fall"), ("hissing", "hiss"), ("fizzed", "fizz"), ("failing", "fail"),
            ("filing", "file"), ("happy", "happi"), ("sky", "sky"), ("enjoy", "enjoy"),
            ("relational", "relat"), ("conditional", "condit"), ("rational", "ration"),
            ("generalizations", "gener"), ("oscillators", "oscil"), ("dying", "die"),
            ("lying", "lie"), ("skies", "sky"), ("news", "news"), ("innings", "inning"),
            ("proceed", "proceed"), ("controll", "control"), ("roll", "roll"),
        ]
        for (word, stem) in examples { #expect(stemmer.stem(word) == stem, "\(word)") }
    }

    @Test("identical texts score 1; a disjoint or empty generation scores 0")
    func extremes() {
        let answer = "Mirela Castavon was born in Porto Vell, Ardania, in 1961."
        let same = ROUGE.score(groundTruth: answer, generation: answer)
        #expect(same.rouge1.recall == 1 && same.rougeL.recall == 1 && same.rougeL.fmeasure == 1)
        let disjoint = ROUGE.score(groundTruth: answer, generation: "zebra quantum")
        #expect(disjoint.rouge1.recall == 0 && disjoint.rougeL.recall == 0)
        let empty = ROUGE.score(groundTruth: answer, generation: "")
        #expect(empty.rouge1.recall == 0 && empty.rougeL.recall == 0 && empty.rougeL.fmeasure == 0)
    }

    @Test("ROUGE-L ≤ ROUGE-1 and word order matters only to ROUGE-L")
    func orderSensitivity() {
        let s = ROUGE.score(groundTruth: "a b c d e f g", generation: "g f e d c b a")
        #expect(s.rouge1.recall == 1)
        #expect(s.rougeL.recall == 1.0 / 7)
        #expect(ROUGE.longestCommonSubsequenceLength(["a", "b", "c", "b", "d"], ["b", "d", "c", "a", "b"]) == 3)
    }
}
