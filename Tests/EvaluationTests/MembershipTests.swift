import Evaluation
import Foundation
import Testing

/// AUC, privleak, the membership scores and zlib lengths against scikit-learn, Python's zlib and
/// open-unlearning's formulas.
@Suite("Evaluation: membership inference")
struct MembershipTests {
    @Test("roc_auc_score parity with open-unlearning's labels (forget 0, holdout 1)")
    func aucParity() {
        for c in MetricsFixture.shared.auc {
            let auc = ROC.membershipAUC(forgetScores: c.forget, holdoutScores: c.holdout)
            #expect(relativeDifference(auc, c.auc) <= parityTolerance, "\(c.name): \(auc) vs \(c.auc)")
        }
    }

    @Test("privleak parity")
    func privleakParity() {
        for c in MetricsFixture.shared.privleak {
            let value = ROC.privleak(modelAUC: c.model_auc, retainAUC: c.retain_auc)
            #expect(relativeDifference(value, c.privleak) <= parityTolerance, "\(value) vs \(c.privleak)")
        }
    }

    @Test("LOSS, ZLib, Min-K% and Min-K%++ parity (open-unlearning's formulas, numpy float64)")
    func scoreParity() {
        for c in MetricsFixture.shared.membership {
            let lp = c.token_log_probs
            #expect(relativeDifference(MembershipScores.loss(tokenLogProbabilities: lp), c.loss) <= parityTolerance)
            #expect(relativeDifference(MembershipScores.zlib(averageLoss: c.loss, text: c.text), c.zlib) <= parityTolerance)
            let moments = c.logits.map { MembershipScores.VocabularyMoments(logits: $0) }
            for (t, moment) in moments.enumerated() {
                #expect(relativeDifference(moment.mean, c.mu[t]) <= parityTolerance)
                #expect(abs(moment.variance - c.variance[t]) <= parityTolerance * max(abs(c.variance[t]), 1e-6))
                // The label's log-probability from the same logits row.
                let row = c.logits[t], largest = row.max()!
                let logZ = largest + log(row.reduce(0.0) { $0 + exp($1 - largest) })
                #expect(relativeDifference(row[c.labels[t]] - logZ, lp[t]) <= parityTolerance)
            }
            for (key, expected) in c.min_k {
                let k = Double(key)!
                #expect(relativeDifference(MembershipScores.minK(tokenLogProbabilities: lp, k: k), expected) <= parityTolerance)
            }
            for (key, expected) in c.min_k_plus_plus {
                let k = Double(key)!
                let value = MembershipScores.minKPlusPlus(tokenLogProbabilities: lp, moments: moments, k: k)
                #expect(relativeDifference(value, expected) <= parityTolerance, "T \(lp.count) k \(k): \(value) vs \(expected)")
            }
        }
    }

    @Test("zlib.compress lengths (level 6) parity")
    func zlibParity() {
        for c in MetricsFixture.shared.zlib {
            #expect(Zlib.compressedLength(utf8: c.text) == c.length, "\(c.text.prefix(30))")
        }
    }

    @Test("perfectly separated scores give AUC 1 (or 0 reversed); all ties give 1/2")
    func aucProperties() {
        #expect(ROC.membershipAUC(forgetScores: [0.1, 0.2, 0.3], holdoutScores: [0.4, 0.9]) == 1)
        #expect(ROC.membershipAUC(forgetScores: [0.4, 0.9], holdoutScores: [0.1, 0.2, 0.3]) == 0)
        #expect(ROC.auc(positive: [1, 1], negative: [1, 1, 1]) == 0.5)
        #expect(ROC.auc(positive: [2, 1], negative: [1, 0]) == 0.875)   // pairs: 1, 1, ½, 1
        #expect(ROC.privleak(modelAUC: 0.5, retainAUC: 0.5) == 0)
    }

    @Test("Min-K% averages max(1, ⌊kT⌋) lowest log-probabilities; k = 1 is LOSS")
    func minKProperties() {
        let lp = [-0.1, -3.0, -0.5, -2.0, -1.0]
        #expect(MembershipScores.lowestCount(tokens: 5, k: 0.4) == 2)
        #expect(MembershipScores.lowestCount(tokens: 2, k: 0.4) == 1)
        #expect(MembershipScores.lowestCount(tokens: 15, k: 0.4) == 6)
        #expect(MembershipScores.minK(tokenLogProbabilities: lp) == 2.5)
        #expect(
            relativeDifference(
                MembershipScores.minK(tokenLogProbabilities: lp, k: 1),
                MembershipScores.loss(tokenLogProbabilities: lp)) <= 1e-15)
        #expect(MembershipScores.minK(tokenLogProbabilities: []) == 0)
    }

    @Test("a uniform vocabulary row has μ = −log V and σ² = 0 (clamped to 10⁻⁶ in Min-K%++)")
    func uniformMoments() {
        let moments = MembershipScores.VocabularyMoments(logits: [Double](repeating: 0.3, count: 8))
        #expect(abs(moments.mean + log(8)) <= 1e-14)
        #expect(abs(moments.variance) <= 1e-14)
        let score = MembershipScores.minKPlusPlus(tokenLogProbabilities: [-log(8)], moments: [moments])
        #expect(abs(score) <= 1e-14 / 1e-3)
    }

    @Test("repetitive text compresses better than its length; zlib is deterministic")
    func zlibProperties() {
        let repeated = String(repeating: "forget ", count: 200)
        #expect(Zlib.compressedLength(utf8: repeated) < 40)
        #expect(Zlib.compressedLength(utf8: "") == 8)   // header, empty final block, Adler-32
        #expect(Zlib.compressedLength(utf8: repeated) == Zlib.compressedLength(Array(repeated.utf8)))
    }
}
