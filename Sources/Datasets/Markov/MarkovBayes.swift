import Foundation

/// The Bayes-optimal next-token predictor of a mixture of Markov chains: the best any model
/// trained on the mixture's training data can do.
///
/// Given a prefix x_1…x_t,
///
///     q(x_{t+1} | x_≤t) = Σ_c π(c | x_≤t) · P_c[x_t, x_{t+1}]
///     π(c | x_≤t) ∝ prior_t(c) · initial_c(x_1) · Π_{i<t} P_c[x_i, x_{i+1}]
///
/// The prior is the training mixture proportion of each chain, `n_c / Σ n`. With
/// `lengthAware` (the default) it is the proportion among training sequences that still have a
/// label at position t+1, `prior_t(c) ∝ n_c · [L_c ≥ t+1]`: what a position-aware model trained
/// with token-mean cross-entropy on right-padded sequences learns. It matters only when lengths
/// differ (experiment A: after position 5 no forget2 sequence remains, so forget2 drops out of
/// the prior).
package struct MarkovBayesPredictor: Sendable {
    package let groups: [MarkovGroup]
    package let chains: [MarkovChain]
    /// Training sequences per chain, n_c.
    package let counts: [Int]
    /// Their length, L_c.
    package let lengths: [Int]
    package let lengthAware: Bool

    package init(groups: [MarkovGroup], chains: [MarkovChain], counts: [Int], lengths: [Int], lengthAware: Bool = true) {
        precondition(
            !groups.isEmpty && chains.count == groups.count && counts.count == groups.count && lengths.count == groups.count)
        precondition(counts.allSatisfy { $0 > 0 })
        self.groups = groups
        self.chains = chains
        self.counts = counts
        self.lengths = lengths
        self.lengthAware = lengthAware
    }

    /// The predictor of a model trained on `groups` of `setup` (training counts and lengths).
    package init(setup: MarkovSetup, trainedOn groups: [MarkovGroup], lengthAware: Bool = true) {
        self.init(
            groups: groups, chains: groups.map(setup.chain), counts: groups.map(setup.trainCount),
            lengths: groups.map { setup.lengths[$0]! }, lengthAware: lengthAware)
    }

    /// The original model: trained on `setup.trainedGroups` (A: all three groups, B: retain and forget1).
    package static func original(_ setup: MarkovSetup, lengthAware: Bool = true) -> MarkovBayesPredictor {
        MarkovBayesPredictor(setup: setup, trainedOn: setup.trainedGroups, lengthAware: lengthAware)
    }

    /// The retrained model: trained on retain only, so q(· | x_≤t) = P_retain[x_t, ·].
    package static func retrained(_ setup: MarkovSetup) -> MarkovBayesPredictor {
        MarkovBayesPredictor(setup: setup, trainedOn: [.retain])
    }

    /// prior_t(c) for predicting position t+1 (t = the prefix length), normalised.
    package func prior(prefixLength t: Int) -> [Double] {
        var w = counts.map(Double.init)
        if lengthAware {
            let alive = zip(w, lengths).map { $1 >= t + 1 ? $0 : 0 }
            if alive.contains(where: { $0 > 0 }) { w = alive }
        }
        let total = w.reduce(0, +)
        return w.map { $0 / total }
    }

    /// π(c | x_≤t) for the prefix `x` (t = x.count ≥ 1), computed in log space.
    package func posterior(prefix x: [Int]) -> [Double] {
        precondition(!x.isEmpty)
        let prior = prior(prefixLength: x.count)
        var logw = [Double](repeating: 0, count: chains.count)
        for c in chains.indices {
            guard prior[c] > 0 else { logw[c] = -.infinity; continue }
            var l = Foundation.log(prior[c]) + Foundation.log(chains[c].initial[x[0]])
            for i in 0..<(x.count - 1) { l += Foundation.log(chains[c].transition[x[i]][x[i + 1]]) }
            logw[c] = l
        }
        let m = logw.max()!
        guard m > -.infinity else { return prior }
        let e = logw.map { Foundation.exp($0 - m) }
        let z = e.reduce(0, +)
        return e.map { $0 / z }
    }

    /// q(· | x_≤t) = Σ_c π(c | x_≤t) · P_c[x_t, ·].
    package func predictive(prefix x: [Int]) -> [Double] {
        let post = posterior(prefix: x)
        var q = [Double](repeating: 0, count: chains[0].stateCount)
        for c in chains.indices where post[c] > 0 {
            let row = chains[c].transition[x[x.count - 1]]
            for j in q.indices { q[j] += post[c] * row[j] }
        }
        return q
    }

    /// The predictions a causal model makes on one sequence: row t−1 is q(· | x_1…x_t) for
    /// t = 1…L−1, i.e. the distributions of positions 2…L (inputs `seq[:-1]`, labels `seq[1:]`).
    package func predictions(_ tokens: [Int]) -> [[Double]] {
        guard tokens.count >= 2 else { return [] }
        return (1..<tokens.count).map { predictive(prefix: Array(tokens[0..<$0])) }
    }
}

/// The metric of REFERENCE §4.
package enum MarkovKL {
    /// Token-averaged KL divergence from the true transition rows to a model's predictions:
    ///
    ///     KL = (1 / N) Σ_sequences Σ_{t=1}^{L−1} KL(P_c[x_t, ·] ‖ q(· | x_≤t)),
    ///     KL(p ‖ q) = Σ_j p_j log(p_j / q_j)
    ///
    /// where c is the sequence's chain and N the total number of predicted tokens, Σ (L − 1).
    /// Predictions cover positions 2…L (the first token is not predicted, as in SimNPO's code:
    /// inputs `seq[:-1]`, labels `seq[1:]`); tokens are pooled over sequences, not averaged per
    /// sequence first. `predict` returns the L − 1 predictive rows of one sequence (see
    /// `MarkovBayesPredictor.predictions`). Returns 0 for an empty set.
    package static func tokenAveraged(
        _ sequences: [MarkovSequence], truth: [MarkovGroup: MarkovChain],
        predict: ([Int]) -> [[Double]]
    ) -> Double {
        var total = 0.0, n = 0
        for s in sequences {
            let p = truth[s.chain]!
            let q = predict(s.tokens)
            precondition(q.count == s.tokens.count - 1, "predict must return one row per position 2…L")
            for t in 0..<q.count {
                total += divergence(p.transition[s.tokens[t]], q[t])
                n += 1
            }
        }
        return n == 0 ? 0 : total / Double(n)
    }

    /// KL(p ‖ q) = Σ_j p_j log(p_j / q_j), with 0 · log 0 = 0.
    package static func divergence(_ p: [Double], _ q: [Double]) -> Double {
        var s = 0.0
        for j in p.indices where p[j] > 0 { s += p[j] * Foundation.log(p[j] / q[j]) }
        return s
    }
}
