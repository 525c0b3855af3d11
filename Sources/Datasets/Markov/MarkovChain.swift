import Foundation
import NumericCore

/// A Markov chain over the states `0..<S`: an initial distribution and a row-stochastic
/// transition matrix, `transition[i][j] = P(x_{t+1} = j | x_t = i)`.
package struct MarkovChain: Equatable, Sendable {
    package let initial: [Double]
    package let transition: [[Double]]

    /// Checks the shapes and that every row sums to 1 (within 1e-9).
    package init(initial: [Double], transition: [[Double]]) throws {
        let S = initial.count
        guard S >= 1, transition.count == S, transition.allSatisfy({ $0.count == S }) else {
            throw DataError(
                file: "MarkovChain", "the initial distribution has \(S) states; the transition matrix must be \(S)×\(S)")
        }
        for (i, row) in ([initial] + transition).enumerated() {
            guard row.allSatisfy({ $0 >= 0 && $0.isFinite }), abs(row.reduce(0, +) - 1) < 1e-9 else {
                throw DataError(
                    file: "MarkovChain",
                    i == 0
                        ? "the initial distribution is not a probability vector"
                        : "transition row \(i - 1) is not a probability vector")
            }
        }
        self.initial = initial
        self.transition = transition
    }

    /// S, the number of states.
    package var stateCount: Int { initial.count }

    /// The block chain of SimNPO's theory experiments (REFERENCE §4): the rows of the `home`
    /// states put `(1−ε)/|H|` on each home state and `ε/(S−|H|)` on every other state; all other
    /// rows are uniform, `1/S`. The initial distribution is a home-state row.
    package static func block(home: [Int], states: Int = 10, leakage ε: Double = 0.2) -> MarkovChain {
        precondition(!home.isEmpty && home.count < states && home.allSatisfy { (0..<states).contains($0) })
        precondition(ε >= 0 && ε <= 1)
        var homeRow = [Double](repeating: ε / Double(states - home.count), count: states)
        for h in home { homeRow[h] = (1 - ε) / Double(home.count) }
        let uniform = [Double](repeating: 1 / Double(states), count: states)
        let rows = (0..<states).map { home.contains($0) ? homeRow : uniform }
        return try! MarkovChain(initial: homeRow, transition: rows)
    }

    /// One sequence of `length` states: `x_1 ~ initial`, `x_{t+1} ~ transition[x_t]`, each draw
    /// by inverting the cumulative distribution at one `rng.uniform()`.
    package func sample(length: Int, rng: inout RNG) -> [Int] {
        precondition(length >= 1)
        var x = [Int]()
        x.reserveCapacity(length)
        x.append(Self.draw(initial, rng.uniform()))
        for _ in 1..<length { x.append(Self.draw(transition[x[x.count - 1]], rng.uniform())) }
        return x
    }

    static func draw(_ p: [Double], _ u: Double) -> Int {
        var c = 0.0
        for (i, pi) in p.enumerated() {
            c += pi
            if u < c { return i }
        }
        return p.lastIndex { $0 > 0 } ?? p.count - 1
    }
}

/// The three sequence groups of the mixture.
package enum MarkovGroup: String, CaseIterable, Codable, Sendable {
    case retain, forget1, forget2
}

/// The two experiments of REFERENCE §4. A: forget2 sequences are short (5) and every group is
/// trained on; B: all groups have length 20 and forget2 is never trained on.
package enum MarkovExperiment: String, NamedChoice {
    case A, B
    package static let kind = "Markov experiment"
    package init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// A mixture-of-chains set-up: the chains, how many sequences of what length each group has, the
/// test fraction, and which groups the original model is trained on.
package struct MarkovSetup: Equatable, Sendable {
    package var experiment: MarkovExperiment
    package var states: Int
    package var leakage: Double
    /// Home blocks of retain, forget1, forget2 (standard: {0,1,2}, {3,4,5}, {6,7,8}).
    package var homes: [MarkovGroup: [Int]]
    package var counts: [MarkovGroup: Int]
    package var lengths: [MarkovGroup: Int]
    /// The fraction of each group held out as test data (standard 0.2).
    package var testFraction: Double

    /// The standard set-up of REFERENCE §4: S = 10, ε = 0.2; retain 10,000 × 20, forget1
    /// 5,000 × 20, forget2 5,000 × 5 (A) or × 20 (B); 80/20 train/test per group.
    package static func standard(_ experiment: MarkovExperiment) -> MarkovSetup {
        MarkovSetup(
            experiment: experiment, states: 10, leakage: 0.2,
            homes: [.retain: [0, 1, 2], .forget1: [3, 4, 5], .forget2: [6, 7, 8]],
            counts: [.retain: 10_000, .forget1: 5_000, .forget2: 5_000],
            lengths: [.retain: 20, .forget1: 20, .forget2: experiment == .A ? 5 : 20],
            testFraction: 0.2)
    }

    /// The groups the original model is trained on: A all three, B retain and forget1.
    package var trainedGroups: [MarkovGroup] { experiment == .A ? [.retain, .forget1, .forget2] : [.retain, .forget1] }

    /// The true chain of each group.
    package func chain(_ group: MarkovGroup) -> MarkovChain {
        .block(home: homes[group]!, states: states, leakage: leakage)
    }

    /// Number of test sequences of a group: `round(testFraction · count)`.
    package func testCount(_ group: MarkovGroup) -> Int {
        Int((testFraction * Double(counts[group]!)).rounded())
    }

    /// Number of training sequences of a group: `count − testCount`.
    package func trainCount(_ group: MarkovGroup) -> Int { counts[group]! - testCount(group) }
}

/// One sampled sequence and the chain it came from.
package struct MarkovSequence: Equatable, Sendable {
    package var chain: MarkovGroup
    package var tokens: [Int]
    /// A sequence `tokens` (states in `0..<S`) sampled from the chain of `chain`.
    package init(chain: MarkovGroup, tokens: [Int]) { self.chain = chain; self.tokens = tokens }
}

/// Sampled train and test sequences of a set-up.
package struct MarkovDataset: Sendable {
    package let setup: MarkovSetup
    package let train: [MarkovSequence]
    package let test: [MarkovSequence]

    /// Samples every group from its own fork of `rng` (label = the group's index), so changing one
    /// group's size does not change the others. Sequences are i.i.d., so each group's first
    /// `trainCount` sequences are its training split and the rest its test split; both files list
    /// retain, then forget1, then forget2.
    package static func generate(_ setup: MarkovSetup, rng: RNG) -> MarkovDataset {
        var train = [MarkovSequence](), test = [MarkovSequence]()
        for (g, group) in MarkovGroup.allCases.enumerated() {
            var r = rng.fork(UInt64(g + 1))
            let chain = setup.chain(group)
            let n = setup.counts[group]!, nTrain = setup.trainCount(group)
            for i in 0..<n {
                let s = MarkovSequence(chain: group, tokens: chain.sample(length: setup.lengths[group]!, rng: &r))
                if i < nTrain { train.append(s) } else { test.append(s) }
            }
        }
        return MarkovDataset(setup: setup, train: train, test: test)
    }

    /// One JSON object per line: `{"chain": "retain", "tokens": [3, 4, …]}`, newline-terminated.
    package static func jsonLines(_ sequences: [MarkovSequence]) -> String {
        var out = ""
        for s in sequences {
            out +=
                "{\"chain\": \"\(s.chain.rawValue)\", \"tokens\": [" + s.tokens.map(String.init).joined(separator: ", ") + "]}\n"
        }
        return out
    }

    /// `chains.json`: each group's `initial` and `transition`, then the set-up's parameters.
    package func chainsJSON(seed: UInt64) -> String {
        func vec(_ v: [Double]) -> String { JSONText.array(v.map(JSONText.number), separator: ", ") }
        var lines = [String]()
        for g in MarkovGroup.allCases {
            let c = setup.chain(g)
            lines.append(
                "  \(JSONText.quoted(g.rawValue)): {\n    \"initial\": \(vec(c.initial)),\n    \"transition\": [\n"
                    + c.transition.map { "      " + vec($0) }.joined(separator: ",\n") + "\n    ]\n  }")
        }
        func groups(_ f: (MarkovGroup) -> String) -> String {
            JSONText.object(MarkovGroup.allCases.map { ($0.rawValue, f($0)) }, compact: false)
        }
        lines.append("  \"experiment\": \(JSONText.quoted(setup.experiment.rawValue))")
        lines.append("  \"states\": \(setup.states)")
        lines.append("  \"leakage\": \(JSONText.number(setup.leakage))")
        lines.append("  \"homes\": " + groups { JSONText.array(setup.homes[$0]!.map(String.init), separator: ", ") })
        lines.append("  \"counts\": " + groups { "\(setup.counts[$0]!)" })
        lines.append("  \"lengths\": " + groups { "\(setup.lengths[$0]!)" })
        lines.append("  \"train_counts\": " + groups { "\(setup.trainCount($0))" })
        lines.append("  \"test_counts\": " + groups { "\(setup.testCount($0))" })
        lines.append("  \"test_fraction\": \(JSONText.number(setup.testFraction))")
        lines.append(
            "  \"trained\": " + JSONText.array(setup.trainedGroups.map { JSONText.quoted($0.rawValue) }, separator: ", "))
        lines.append("  \"seed\": \(seed)")
        return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
    }

    /// Writes `train.jsonl`, `test.jsonl` and `chains.json` into `directory` (all or nothing).
    package func write(to directory: String, seed: UInt64, force: Bool) throws {
        try GeneratedDirectory.write(
            [
                ("train.jsonl", Data(Self.jsonLines(train).utf8)),
                ("test.jsonl", Data(Self.jsonLines(test).utf8)),
                ("chains.json", Data(chainsJSON(seed: seed).utf8)),
            ], to: directory, force: force)
    }
}
