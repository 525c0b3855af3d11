import Datasets
import Foundation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// Every objective term through the whole tiny model: its value and gradient against a Float64
/// re-implementation of its formula (REFERENCE §2) differentiated by central finite differences,
/// and its token weights against the gradient they claim to reproduce.
@Suite("Objectives against Float64 finite differences")
struct ObjectiveGradientTests {
    static let config = GPTConfig(nLayer: 3, nHead: 2, nEmbd: 12, vocabSize: 19, blockSize: 8)
    static let T = 7
    static let u: [Float] = {
        var rng = RNG(seed: 5); return RMU.drawDirection(width: config.nEmbd, rng: &rng)
    }()

    /// Random non-trivial parameters θ, and θ_o = θ + 0.05·noise for the reference.
    static func parameters(seed: UInt64) -> (current: [Float], reference: [Float]) {
        var rng = RNG(seed: seed)
        let layout = config.parameterLayout()
        var p = [Float](repeating: 0, count: layout.count)
        for slot in layout.slots {
            let isGain = slot.name.contains("ln_") && slot.name.hasSuffix(".weight")
            let v = randomFloats(slot.count, std: slot.name.hasSuffix(".bias") ? 0.1 : 0.4, mean: isGain ? 1 : 0, rng: &rng)
            for i in 0..<slot.count { p[slot.offset + i] = v[i] }
        }
        return (p, p.map { $0 + Float(0.05 * rng.normal()) })
    }

    /// Two forget rows (one shorter, so padded), their refusals, two retain rows; T = 7.
    static func batch() -> ObjectiveBatch {
        let (forget, refusal, retain) = samples()
        return ObjectiveBatch(
            forget: forget, forgetIndices: [0, 1], refusal: refusal, retain: retain,
            padding: 0, fixedLength: T)
    }

    static func samples() -> (forget: [FormattedSample], refusal: [FormattedSample], retain: [FormattedSample]) {
        var rng = RNG(seed: 7)
        func ids(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(rng.below(config.vocabSize)) } }
        let q1 = ids(3), q2 = ids(2)
        let forget = [
            FormattedSample(ids: q1 + ids(5), answerRange: 3..<8),
            FormattedSample(ids: q2 + ids(4), answerRange: 2..<6),
        ]
        let refusal = [
            FormattedSample(ids: q1 + ids(3), answerRange: 3..<6),
            FormattedSample(ids: q2 + ids(6), answerRange: 2..<8),
        ]
        let retain = [
            FormattedSample(ids: ids(8), answerRange: 4..<8),
            FormattedSample(ids: ids(7), answerRange: 2..<7),
        ]
        return (forget, refusal, retain)
    }

    struct Case: Sendable {
        let objective: UnlearningObjective
        /// The loss in Float64 at parameters `p`, with stop-gradient factors taken at `p0`.
        let loss: @Sendable (_ at: RefPass, _ frozen: RefPass, _ reference: RefPass, _ batch: ObjectiveBatch) -> Double
    }

    static let cases: [String: Case] = [
        "ga": Case(objective: .init(forget: GradientAscent())) { c, _, _, b in
            RefLoss.weightedLogProb(c, b, .forget) { _ in 1 }
        },
        "wga": Case(objective: .init(forget: WeightedGradientAscent(alpha: 1.3))) { c, f, _, b in
            RefLoss.weightedLogProb(c, b, .forget) { n in pow(f.p(n), 1.3) }
        },
        "tnpo": Case(objective: .init(forget: TNPO(beta: 2))) { c, f, o, b in
            RefLoss.weightedLogProb(c, b, .forget) { n in
                2 * pow(f.p(n), 2) / (pow(f.p(n), 2) + pow(o.p(n), 2) + 1e-5)
            }
        },
        "wtnpo": Case(objective: .init(forget: WTNPO(beta: 2, alpha: 1.5))) { c, f, o, b in
            RefLoss.weightedLogProb(c, b, .forget) { n in
                2 * pow(f.p(n), 3.5) / (pow(f.p(n), 2) + pow(o.p(n), 2))
            }
        },
        "satimp": Case(objective: .init(forget: SatImp(beta1: 2, beta2: 1))) { c, f, _, b in
            RefLoss.weightedLogProb(c, b, .forget) { n in pow(f.p(n), 2) * (1 - f.p(n)) }
        },
        "po": Case(objective: .init(forget: RefusalTuning())) { c, _, _, b in
            -RefLoss.weightedLogProb(c, b, .refusal) { _ in 1 }
        },
        "npo": Case(objective: .init(forget: NPO(beta: 0.5))) { c, _, o, b in
            let rows = b.rows[.forget]!
            return rows.reduce(0.0) { s, r in
                s - 2 / 0.5 * RefLoss.logSigmoid(0.5 * (c.nll(row: r, b) - o.nll(row: r, b))) / Double(rows.count)
            }
        },
        "simnpo": Case(objective: .init(forget: SimNPO(beta: 2.5, gamma: 0.5))) { c, _, _, b in
            let rows = b.rows[.forget]!
            return rows.reduce(0.0) { s, r in
                s - 2 / 2.5 * RefLoss.logSigmoid(2.5 * c.nll(row: r, b) / RefLoss.count(row: r, b) - 0.5) / Double(rows.count)
            }
        },
        "idkdpo": Case(objective: .init(forget: IdkDPO(beta: 0.7))) { c, _, o, b in
            let l = b.rows[.forget]!, w = b.rows[.refusal]!
            return zip(l, w).reduce(0.0) { s, rows in
                let (rl, rw) = rows
                let z = 0.7 * ((o.nll(row: rw, b) - c.nll(row: rw, b)) - (o.nll(row: rl, b) - c.nll(row: rl, b)))
                return s - 2 / 0.7 * RefLoss.logSigmoid(z) / Double(l.count)
            }
        },
        "rmu": Case(objective: .init(forget: RMU(layer: 1, c: 2, u: u))) { c, _, _, b in
            RefLoss.hiddenDistance(c, b, .forget, layer: 1) { _, k in 2 * Double(u[k]) } / Double(config.nEmbd)
        },
        "undial": Case(objective: .init(forget: UNDIAL(beta: 3))) { c, _, o, b in
            RefLoss.crossEntropy(c, o, b, .forget, penalty: 3)
        },
        "gd": Case(objective: .init(forget: GradientAscent(), retain: RetainNLL(), forgetWeight: 0)) { c, _, _, b in
            -RefLoss.weightedLogProb(c, b, .retain) { _ in 1 }
        },
        "kl": Case(objective: .init(forget: GradientAscent(), retain: RetainKL(), forgetWeight: 0)) { c, _, o, b in
            RefLoss.crossEntropy(c, o, b, .retain, penalty: 0) - RefLoss.crossEntropy(o, o, b, .retain, penalty: 0)
        },
        "rr": Case(objective: .init(forget: GradientAscent(), retain: RepresentationRetention(layer: 2), forgetWeight: 0)) {
            c, _, o, b in
            RefLoss.hiddenDistance(c, b, .retain, layer: 2) { n, k in o.hidden[2][n * config.nEmbd + k] }
        },
        "npo+kl": Case(objective: .init(forget: NPO(beta: 0.5), retain: RetainKL(), forgetWeight: 0.7, retainWeight: 1.3)) {
            c, f, o, b in
            0.7 * cases["npo"]!.loss(c, f, o, b) + 1.3 * cases["kl"]!.loss(c, f, o, b)
        },
        "ga+gd": Case(objective: .init(forget: GradientAscent(), retain: RetainNLL(), retainWeight: 2)) { c, f, o, b in
            cases["ga"]!.loss(c, f, o, b) + 2 * cases["gd"]!.loss(c, f, o, b)
        },
    ]

    @Test(arguments: cases.keys.sorted())
    func valueAndGradient(_ name: String) throws {
        let test = Self.cases[name]!
        let (p, po) = Self.parameters(seed: 1)
        let model = try GPT(config: Self.config, parameters: p)
        let reference = try GPT(config: Self.config, parameters: po)
        let batch = Self.batch()
        let result = try test.objective.evaluate(model: model, reference: reference, batch: batch)
        let grads = model.gradients.array

        let frozen = RefPass(Self.config, p.doubles, batch), ref = RefPass(Self.config, po.doubles, batch)
        let expected = test.loss(frozen, frozen, ref, batch)
        #expect(abs(result.loss - expected) <= 1e-5 * max(abs(expected), 1e-3), "\(name): \(result.loss) vs \(expected)")

        // Finite differences on 8 coordinates of every tensor.
        var rng = RNG(seed: 99)
        let coords = Self.config.parameterLayout().slots.flatMap { s in (0..<8).map { _ in s.offset + rng.below(s.count) } }
        var x = p.doubles
        let fd = coords.map { i -> Double in
            let xi = x[i], h = 1e-5 * max(1, abs(xi))
            x[i] = xi + h; let fp = test.loss(RefPass(Self.config, x, batch), frozen, ref, batch)
            x[i] = xi - h; let fm = test.loss(RefPass(Self.config, x, batch), frozen, ref, batch)
            x[i] = xi
            return (fp - fm) / (2 * h)
        }
        let err = relativeError(coords.map { Double(grads[$0]) }, fd)
        print("objective \(name): loss \(result.loss), gradient relative error \(err)")
        #expect(err < 1e-4, "\(name): relative error \(err)")
    }

    /// `Σ w·∇log p(y)` rebuilt from the reported token weights equals the forget gradient.
    @Test(arguments: ["ga", "wga", "tnpo", "wtnpo", "satimp", "po", "npo", "simnpo", "idkdpo"])
    func tokenWeightsReproduceTheGradient(_ name: String) throws {
        let (p, po) = Self.parameters(seed: 2)
        let model = try GPT(config: Self.config, parameters: p)
        let reference = try GPT(config: Self.config, parameters: po)
        let batch = Self.batch()
        let result = try Self.cases[name]!.objective.evaluate(model: model, reference: reference, batch: batch)
        let objectiveGradient = model.gradients.array

        // −Σ w·NLL has the gradient Σ w·∇log p.
        var coefficients = [Float](repeating: 0, count: batch.batch * batch.seq)
        for (role, weights) in result.forget.tokenWeights {
            let start = batch.rows[role]!.lowerBound * batch.seq
            for (i, w) in weights.enumerated() { coefficients[start + i] = Float(-w) }
        }
        #expect(coefficients.contains { $0 != 0 })
        let tb = batch.tokens
        model.zeroGradients()
        try model.forward(tokens: tb.tokens, targets: tb.targets, mask: tb.mask, batch: tb.batch, seq: tb.seq)
        model.nllLogitGradient(coefficients: coefficients, into: model.logitGradientScratch.baseAddress!)
        model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
        let err = relativeError(model.gradients.array, objectiveGradient.doubles)
        print("objective \(name): token-weight reconstruction relative error \(err)")
        #expect(err < 1e-5, "\(name): \(err)")
        #expect(result.forget.instanceWeights.count == 2)
    }

    /// A set evaluated in chunks, each dividing by the whole set's totals and adding into the
    /// gradients, gives the whole set's value, gradient and weights.
    @Test(arguments: cases.keys.sorted())
    func chunksAddUpToTheWholeSet(_ name: String) throws {
        let objective = Self.cases[name]!.objective
        let (p, po) = Self.parameters(seed: 4)
        let model = try GPT(config: Self.config, parameters: p), reference = try GPT(config: Self.config, parameters: po)
        let whole = Self.batch()
        let expected = try objective.evaluate(model: model, reference: reference, batch: whole)
        let expectedGradient = model.gradients.array.doubles

        let (forget, refusal, retain) = Self.samples()
        var totals: [BatchRole: ObjectiveBatch.Denominator] = [:]
        for role in BatchRole.allCases { totals[role] = .init(answerTokens: RefLoss.count(whole, role), instances: 2) }
        var loss = 0.0, instance: [Double] = [], forgetWeights: [Double] = []
        for i in 0..<2 {
            var chunk = ObjectiveBatch(
                forget: [forget[i]], forgetIndices: [i], refusal: [refusal[i]], retain: [retain[i]],
                padding: 0, fixedLength: Self.T)
            chunk.denominators = totals
            let part = try objective.evaluate(model: model, reference: reference, batch: chunk, accumulate: i > 0)
            loss += part.loss
            instance += part.forget.instanceWeights
            forgetWeights += part.forget.tokenWeights[.forget] ?? []
        }
        // Float32 forward passes of two batch shapes round differently (~1e-6); a wrong normaliser
        // would be off by tens of percent.
        #expect(abs(loss - expected.loss) <= 1e-5 * max(abs(expected.loss), 1e-6), "\(name): \(loss) vs \(expected.loss)")
        #expect(relativeError(model.gradients.array, expectedGradient) < 1e-5)
        // Per-instance numbers only differ by the rounding of the two batch shapes' forward passes.
        #expect(instance.count == expected.forget.instanceWeights.count)
        #expect(zip(instance, expected.forget.instanceWeights).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
        if let w = expected.forget.tokenWeights[.forget] {
            #expect(forgetWeights.count == w.count)
            #expect(zip(forgetWeights, w).allSatisfy { abs($0 - $1) <= 1e-5 * max(1e-3, abs($1)) })
        }
    }

    @Test func missingReferenceAndRowsAreErrors() throws {
        let model = try GPT(config: Self.config, parameters: Self.parameters(seed: 3).current)
        let batch = Self.batch()
        #expect(throws: ObjectiveError.self) {
            try UnlearningObjective(forget: NPO()).evaluate(model: model, reference: nil, batch: batch)
        }
        let forgetOnly = ObjectiveBatch(
            forget: [FormattedSample(ids: [1, 2, 3], answerRange: 1..<3)], forgetIndices: [0], padding: 0)
        #expect(throws: ObjectiveError.self) {
            try UnlearningObjective(forget: GradientAscent(), retain: RetainNLL()).evaluate(
                model: model, reference: nil, batch: forgetOnly)
        }
        #expect(throws: ObjectiveError.self) {
            try UnlearningObjective(forget: RMU(layer: 3, u: Self.u)).evaluate(model: model, reference: nil, batch: forgetOnly)
        }
    }
}

/// The Float64 reference model's outputs on a batch.
struct RefPass {
    let logSoftmax: [Double], logits: [Double], hidden: [[Double]], targets: [Int32], V: Int

    init(_ config: GPTConfig, _ p: [Double], _ batch: ObjectiveBatch) {
        let r = Ref.gpt(config, p, tokens: batch.tokens.tokens, B: batch.batch, T: batch.seq)
        logits = r.logits
        hidden = r.hidden
        V = config.vocabSize
        logSoftmax = Ref.logSoftmax(r.logits, N: batch.batch * batch.seq, V: V)
        targets = batch.tokens.targets
    }

    func lp(_ n: Int) -> Double { targets[n] >= 0 ? logSoftmax[n * V + Int(targets[n])] : 0 }
    func p(_ n: Int) -> Double { exp(lp(n)) }
    /// Summed answer NLL of row `r`.
    func nll(row r: Int, _ b: ObjectiveBatch) -> Double {
        (r * b.seq..<(r + 1) * b.seq).reduce(0.0) { $0 - Double(b.tokens.mask[$1]) * lp($1) }
    }
}

/// The objectives' formulas in Float64, written from REFERENCE §2 independently of the engine.
enum RefLoss {
    static func logSigmoid(_ x: Double) -> Double { -log1p(exp(-x)) }

    static func positions(_ b: ObjectiveBatch, _ role: BatchRole) -> Range<Int> {
        let r = b.rows[role]!
        return r.lowerBound * b.seq..<r.upperBound * b.seq
    }

    /// The answer-token count of the rows of `role`.
    static func count(_ b: ObjectiveBatch, _ role: BatchRole) -> Double {
        positions(b, role).reduce(0.0) { $0 + Double(b.tokens.mask[$1]) }
    }

    static func count(row r: Int, _ b: ObjectiveBatch) -> Double {
        (r * b.seq..<(r + 1) * b.seq).reduce(0.0) { $0 + Double(b.tokens.mask[$1]) }
    }

    /// `(1/N)·Σ m·f(n)·log p(yₙ)` over the rows of `role`.
    static func weightedLogProb(_ c: RefPass, _ b: ObjectiveBatch, _ role: BatchRole, _ f: (Int) -> Double) -> Double {
        var s = 0.0, N = 0.0
        for n in positions(b, role) where b.tokens.mask[n] != 0 {
            s += Double(b.tokens.mask[n]) * f(n) * c.lp(n)
            N += Double(b.tokens.mask[n])
        }
        return s / N
    }

    /// `(1/N)·Σ m·Σ_v −q_v log p_v` with `q = softmax(reference logits − penalty·onehot(y))`.
    static func crossEntropy(_ c: RefPass, _ o: RefPass, _ b: ObjectiveBatch, _ role: BatchRole, penalty: Double) -> Double {
        let V = c.V
        var s = 0.0, N = 0.0
        for n in positions(b, role) where b.tokens.mask[n] != 0 {
            var z = Array(o.logits[n * V..<(n + 1) * V])
            z[Int(b.tokens.targets[n])] -= penalty
            let q = Ref.logSoftmax(z, N: 1, V: V).map(exp)
            let m = Double(b.tokens.mask[n])
            for v in 0..<V { s -= m * q[v] * c.logSoftmax[n * V + v] }
            N += m
        }
        return s / N
    }

    /// `(1/N)·Σ m·Σ_k (h[n,k] − target(n,k))²` on the hidden state after `layer`.
    static func hiddenDistance(
        _ c: RefPass, _ b: ObjectiveBatch, _ role: BatchRole, layer: Int,
        _ target: (Int, Int) -> Double
    ) -> Double {
        let C = c.hidden[layer].count / (b.batch * b.seq)
        var s = 0.0, N = 0.0
        for n in positions(b, role) where b.tokens.mask[n] != 0 {
            let m = Double(b.tokens.mask[n])
            for k in 0..<C { let d = c.hidden[layer][n * C + k] - target(n, k); s += m * d * d }
            N += m
        }
        return s / N
    }
}
