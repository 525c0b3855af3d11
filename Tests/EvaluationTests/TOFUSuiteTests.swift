import Datasets
import Evaluation
import Foundation
import Model
import NumericCore
import Testing
import TestSupport

/// TOFU's suite on a random byte-level model and a generated 20-author benchmark: the scores do not
/// depend on batching, the metrics follow their formulas from the scores, and the JSON is
/// open-unlearning's shape.
@Suite("TOFU metric suite")
struct TOFUSuiteTests {
    static let data: String = {
        let root = temporaryDirectory("tofu-suite")
        try! SyntheticTOFU(authors: 20, seed: 4).write(to: root, force: false)
        return root
    }()

    static func setup() -> (sets: TOFUEvalSets, model: GPT, scorer: TOFUScorer) {
        let sets = try! TOFUEvalSets.load(try! TOFUDirectory(path: data), forget: .forget05, holdout: "holdout05")
        let model = try! GPT(
            config: GPTConfig(nLayer: 2, nHead: 2, nEmbd: 32, vocabSize: ByteTokenizer().vocabSize, blockSize: 400))
        var rng = RNG(seed: 2)
        model.initializeGPT2(rng: &rng)
        for i in 0..<model.parameterCount { model.parameters[i] *= 3 }
        var scorer = TOFUScorer(formatter: QAFormatter(tokenizer: ByteTokenizer(), maxLength: 400))
        scorer.maxNewTokens = 12
        return (sets, model, scorer)
    }

    /// Scoring a sample in a padded chunk gives what scoring it alone gives.
    @Test func scoresDoNotDependOnBatching() throws {
        let (sets, model, scorer) = Self.setup()
        let items = Array(sets.forget.items.prefix(5))
        let batched = try scorer.answerScores(model, items) { $0.answer }
        for (item, b) in zip(items, batched) {
            let alone = try scorer.answerScores(model, [item]) { $0.answer }[0]
            #expect(b.logProbs.count == alone.logProbs.count && b.argmaxHits == alone.argmaxHits)
            #expect(zip(b.logProbs, alone.logProbs).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
            #expect(zip(b.moments, alone.moments).allSatisfy { abs($0.mean - $1.mean) <= 1e-5 * max(1, abs($1.mean)) })
            // The answer tokens and the end token.
            #expect(b.logProbs.count == ByteTokenizer().encode(item.answer).count + 1)
        }
    }

    /// The moments of one position against a direct softmax of its logits in the full forward pass.
    @Test func vocabularyMomentsMatchTheLogits() throws {
        let (sets, model, scorer) = Self.setup()
        let sample = scorer.formatter.format(question: sets.forget.items[0].question, answer: sets.forget.items[0].answer)
        let score = try AnswerScorer.score(model, samples: [sample])[0]
        let b = TokenBatch(samples: [sample], indices: [0], padding: 0)
        try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: 1, seq: b.seq)
        let n = sample.maskedPositions.lowerBound, V = model.config.vocabSize
        #expect(abs(score.logProbs[0] - Double(model.targetLogProbs[n])) <= 1e-5 * max(1, abs(score.logProbs[0])))
        let row = (0..<V).map { Double(model.logits[n * V + $0]) }
        let direct = MembershipScores.VocabularyMoments(logits: row)
        #expect(abs(score.moments[0].mean - direct.mean) <= 1e-5 * abs(direct.mean))
        #expect(abs(score.moments[0].variance - direct.variance) <= 1e-4 * abs(direct.variance))
        let best = row.indices.max { row[$0] < row[$1] }!
        #expect(score.argmaxHits[0] == (Int32(best) == sample.ids[n + 1]))
    }

    @Test func theMetricsFollowFromTheScores() throws {
        let (sets, model, scorer) = Self.setup()
        let generate: GreedyGenerate = { prompts, max in
            try model.generateGreedy(prompts: prompts, maxNewTokens: max, stopToken: 257)
        }
        // The two scorings are compared bit for bit: no other test may change the thread count in between.
        let (report, direct) = try withFixedThreadCount {
            (
                try scorer.evaluate(model, sets, generate: generate, retain: nil),
                try scorer.retainReference(model, sets)
            )   // scores the forget set and the holdout only
        }
        let self_ = RetainReference(report)
        #expect(direct.forgetTruthRatios == self_.forgetTruthRatios && direct.minKAUC == self_.minKAUC && direct.minKAUC != nil)
        let withRetain = try scorer.evaluate(model, sets, generate: nil, retain: self_)
        // Against itself, the truth ratios are identical: the KS p-value is 1, privleak 0.
        #expect(withRetain["forget_quality"]!.aggValue == 1)
        #expect(withRetain["privleak"]!.aggValue == 0)
        for name in ["mia_loss", "mia_zlib", "mia_min_k", "mia_min_k_plus_plus"] {
            let auc = report[name]!.aggValue
            #expect(auc >= 0 && auc <= 1, "\(name) \(auc)")
        }
        // LOSS: the AUC from the per-item scores (forget items are label 0, holdout items label 1).
        let holdout = try scorer.answerScores(model, sets.holdout!) { $0.answer }.map(\.meanNLL)
        let forgetLoss = report["mia_loss"]!.valueByIndex!.map { $0["score"]!.number! }
        let pairs = forgetLoss.flatMap { f in holdout.map { h in h > f ? 1.0 : (h == f ? 0.5 : 0) } }
        #expect(abs(report["mia_loss"]!.aggValue - pairs.reduce(0, +) / Double(pairs.count)) <= 1e-12)
        #expect(withRetain["model_utility"] == nil && withRetain["forget_Q_A_ROUGE"] == nil)

        let forget = try scorer.scores(model, sets.forget, generate: nil)
        let ratios = zip(forget.paraphrased, forget.perturbed).map { c, w in
            exp(-w.map(\.meanNLL).reduce(0, +) / Double(w.count)) / (exp(-c.meanNLL) + 1e-10)
        }
        #expect(zip(ratios, report.forgetTruthRatios).allSatisfy { abs($0 - $1) <= 1e-12 * $0 })
        let closer = ratios.map { min($0, 1 / ($0 + 1e-10)) }.reduce(0, +) / Double(ratios.count)
        #expect(abs(report["forget_truth_ratio"]!.aggValue - closer) <= 1e-12)
        let prob = forget.answer.map { exp(-$0.meanNLL) }.reduce(0, +) / Double(forget.answer.count)
        #expect(abs(report["forget_Q_A_Prob"]!.aggValue - prob) <= 1e-12)

        let utility = TOFUMetrics.utilityParts.map { report[$0]!.aggValue }
        let hmean = Double(utility.count) / utility.map { 1 / $0 }.reduce(0, +)
        #expect(abs(report["model_utility"]!.aggValue - (utility.contains(0) ? 0 : hmean)) <= 1e-12)

        // Generations: the decoded greedy continuation of the question prompt.
        let item = sets.retain.items[3]
        let prompt = [Int32(256)] + ByteTokenizer().encode(scorer.formatter.template.prefix(for: item.question))
        let ids = try model.generateGreedy(prompts: [prompt], maxNewTokens: 12, stopToken: 257)[0]
        let entry = report["retain_Q_A_ROUGE"]!.valueByIndex![3]
        #expect(entry["generation"] == .string(ByteTokenizer().decode(ids).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(entry["ground_truth"] == .string(item.answer))
    }

    /// `progress` hears each set's scoring as it finishes, with its answer count, and its
    /// generations when there are any.
    @Test func progressNamesEachSetsStages() throws {
        let (sets, model, scorer) = Self.setup()
        var lines: [String] = []
        _ = try scorer.evaluate(model, sets, generate: nil, retain: nil) { lines.append($0) }
        #expect(lines.map { String($0.prefix { $0 != ":" }) } == ["forget", "retain", "ra", "wf"])
        let forget = sets.forget.items
        let answers = 2 * forget.count + forget.map { $0.perturbedAnswers?.count ?? 0 }.reduce(0, +)
        #expect(lines[0].hasPrefix("forget: \(answers) answers of \(forget.count) items scored in "), "\(lines[0])")
        lines = []
        let silent: GreedyGenerate = { prompts, _ in prompts.map { _ in [] } }
        _ = try scorer.evaluate(model, sets, generate: silent, retain: nil) { lines.append($0) }
        #expect(lines.count == 8 && lines[1].hasPrefix("forget: \(forget.count) answers generated in "), "\(lines)")
    }

    /// eval.json parses, holds every metric with agg_value and per-item values, and summary.json
    /// maps every metric to its aggregate.
    @Test func theJSONHasOpenUnlearningsShape() throws {
        let (sets, model, scorer) = Self.setup()
        let report = try scorer.evaluate(model, sets, generate: nil, retain: nil)
        let out = temporaryDirectory("tofu-json")
        try report.write(to: out)
        let eval =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/eval.json"))) as! [String: Any]
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
            as! [String: Any]
        #expect(Set(eval.keys) == Set(report.metrics.map(\.name)) && Set(summary.keys) == Set(eval.keys))
        let truth = eval["forget_truth_ratio"] as! [String: Any]
        let byIndex = truth["value_by_index"] as! [String: Any]
        #expect(byIndex.count == sets.forget.items.count && (byIndex["0"] as! [String: Any])["score"] is Double)
        #expect(abs((summary["forget_Q_A_Prob"] as! Double) - report["forget_Q_A_Prob"]!.aggValue) <= 1e-15)
        let pert = (eval["retain_Q_A_PERT_Prob"] as! [String: Any])["value_by_index"] as! [String: Any]
        #expect(((pert["0"] as! [String: Any])["prob"] as! [Double]).count == sets.retain.items[0].perturbedAnswers!.count)
    }
}
