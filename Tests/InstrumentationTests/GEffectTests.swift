import Datasets
import Instrumentation
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// The G-effect measurements on a tiny random model: the paper's identity for GA, additivity,
/// independence of the chunk size, and the first-order meaning of e and of the update effect.
@Suite("G-effects")
struct GEffectTests {
    static let config = GPTConfig(nLayer: 3, nHead: 2, nEmbd: 16, vocabSize: 23, blockSize: 16)

    static func samples(_ count: Int, seed: UInt64) -> [FormattedSample] {
        randomQASamples(count, vocab: config.vocabSize, seed: seed)
    }

    static let data = UnlearningData(
        forget: samples(7, seed: 1), refusal: samples(7, seed: 2), retain: samples(9, seed: 3), padding: 0)

    /// An instrumenter on a fresh copy of the sharpened random model; risk sets `forget` and
    /// `retain` of `data` unless given.
    static func instrumenter(
        _ objective: UnlearningObjective, optimizer: Optimizer? = nil, lr: Float = 1e-3,
        forgetBatch: Int = 7, chunk: Int = 16, data: UnlearningData = data,
        riskSets: [RiskSet]? = nil, mode: GEffectMode = .exact, interference: [String] = []
    ) throws -> Instrumenter {
        let model = try GPT(config: config)
        var rng = RNG(seed: 4)
        model.initializeGPT2(rng: &rng)
        for i in 0..<model.parameterCount { model.parameters[i] *= 5 }   // sharper, less uniform predictions
        let unlearner = try Unlearner(
            model: model, objective: objective,
            optimizer: optimizer ?? SGD(), data: data,
            options: UnlearningOptions(
                length: .steps(3), forgetBatch: min(forgetBatch, data.forget.count),
                retainBatch: data.retain.count, learningRate: lr))
        return Instrumenter(
            unlearner: unlearner,
            riskSets: riskSets ?? [
                RiskSet(name: "forget", samples: data.forget),
                RiskSet(name: "retain", samples: data.retain),
            ],
            retainSet: data.retain, chunk: chunk, mode: mode, interference: interference)
    }

    /// [GE]: for GA and the risk set equal to the forget set, e_u = −‖∇R_u‖² exactly.
    @Test func gradientAscentOnTheForgetSetIsMinusTheSquaredNorm() throws {
        let m = try Self.instrumenter(.init(forget: GradientAscent()), chunk: 3).measure(step: 0)
        let forget = m.risks[0]
        #expect(abs(forget.total + forget.gradNorm2) <= 1e-6 * forget.gradNorm2, "\(forget.total) vs −\(forget.gradNorm2)")
        #expect(abs(m.forget + forget.value) < 1e-6 * forget.value)   // GA's loss is −R_u
    }

    /// Tensors add up to the total, the total to its terms; blocks and groups partition the tensors.
    @Test func decompositionsAddUp() throws {
        let inst = try Self.instrumenter(.init(forget: NPO(beta: 0.5), retain: RetainKL(), retainWeight: 2))
        let m = try inst.measure(step: 0)
        let layout = inst.unlearner.model.layout
        for r in m.risks {
            #expect(abs(r.total - (r.forgetTerm + r.retainTerm)) <= 1e-9 * abs(r.total))
            #expect(abs(r.groups.reduce(0, +) - r.total) <= 1e-9 * abs(r.total))
            let wte = r.tensor[layout.slots.firstIndex { $0.name == "wte.weight" }!]
            #expect(abs(r.tiedInput! + r.tiedOutput! - wte) <= 1e-12 * abs(wte))
            let outside = zip(layout.slots, r.tensor).filter { $0.0.block == nil }.reduce(0.0) { $0 + $1.1 }
            #expect(abs(layout.blockSums(r.tensor, blocks: 3).reduce(0, +) + outside - r.total) <= 1e-9 * abs(r.total))
            // Heads, MLP unit groups and the rest of a block sum to the block.
            let blocks = layout.blockSums(r.tensor, blocks: 3), H = 2, scale = r.tensor.map(abs).reduce(0, +)
            #expect(r.units.head.count == 3 * H && r.units.mlpGroup.count == 3 * 8 && r.units.rest.count == 3)
            for l in 0..<3 {
                let units =
                    r.units.head[(l * H)..<((l + 1) * H)].reduce(0, +) + r.units.mlpGroup[(l * 8)..<((l + 1) * 8)].reduce(0, +)
                    + r.units.rest[l]
                #expect(abs(units - blocks[l]) <= 1e-9 * scale, "\(r.name) block \(l): units \(units) vs \(blocks[l])")
            }
        }
        #expect(m.instanceWeights.count == 7 && m.instanceWeights.allSatisfy { abs($0 - 1) < 1e-12 })   // θ = θ_o
        #expect(m.tokenWeights.count == 7 * inst.length)
        #expect(m.retain != nil && abs(m.loss - (m.forget + 2 * m.retain!)) < 1e-12)
    }

    /// The chunk size is an implementation detail: 2 rows or 16 give the same measurement.
    @Test(arguments: ["ga", "npo+kl", "idkdpo", "rmu+rr"])
    func chunkSizeDoesNotMatter(_ name: String) throws {
        let objective: UnlearningObjective =
            switch name {
            case "ga": .init(forget: GradientAscent())
            case "npo+kl": .init(forget: NPO(beta: 0.5), retain: RetainKL())
            case "idkdpo": .init(forget: IdkDPO(beta: 0.5))
            default: .init(forget: RMU(layer: 1, u: Array(repeating: 0.5, count: 16)), retain: RepresentationRetention(layer: 2))
            }
        let a = try Self.instrumenter(objective, chunk: 2).measure(step: 0)
        let b = try Self.instrumenter(objective, chunk: 16).measure(step: 0)
        for (x, y) in zip(a.risks, b.risks) {
            #expect(abs(x.value - y.value) <= 1e-6 * y.value)
            #expect(relativeError(x.tensor, y.tensor) < 1e-5, "\(name) \(x.name): \(relativeError(x.tensor, y.tensor))")
        }
        #expect(abs(a.loss - b.loss) <= 1e-5 * max(1, abs(b.loss)))
        #expect(zip(a.instanceNLL, b.instanceNLL).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// First order: one plain SGD step of η on the whole forget and retain sets changes R by
    /// −η·e (within 1 %), and its update effect is e.
    @Test func sgdStepMovesTheRiskByMinusEtaTimesE() throws {
        let eta: Float = 1e-5
        let inst = try Self.instrumenter(.init(forget: GradientAscent(), retain: RetainNLL()), lr: eta)
        let before = try inst.measure(step: 0)
        _ = try inst.unlearner.step(1)
        let update = try #require(inst.updateEffects(lr: eta))
        let after = try inst.measure(step: 1)
        for (i, r) in before.risks.enumerated() {
            let realised = after.risks[i].value - r.value, predicted = -Double(eta) * r.total
            print("\(r.name): e \(r.total), update effect \(update[i].total), ΔR \(realised), −η·e \(predicted)")
            #expect(abs(realised - predicted) <= 0.01 * abs(predicted), "\(r.name): ΔR \(realised) vs −η·e \(predicted)")
            #expect(abs(update[i].total - r.total) <= 1e-3 * abs(r.total), "\(r.name): u \(update[i].total) vs e \(r.total)")
        }
    }
}

/// Per-instance and per-token G-effects and PG-effects from forward-mode passes inside the
/// batched evaluation, against the slow path: one backward pass per instance.
@Suite("G-effects per instance and token")
struct InstanceGEffectTests {
    typealias G = GEffectTests

    static let objectives: [String: UnlearningObjective] = [
        "ga": .init(forget: GradientAscent()),
        "npo+kl": .init(forget: NPO(beta: 0.5), retain: RetainKL(), forgetWeight: 0.7),
        "simnpo": .init(forget: SimNPO(beta: 2.5, gamma: 0.3)),
        "wtnpo": .init(forget: WTNPO(beta: 2, alpha: 1)),
        "po": .init(forget: RefusalTuning()),
        "idkdpo": .init(forget: IdkDPO(beta: 0.5)),
        "rmu": .init(forget: RMU(layer: 1, u: Array(repeating: 0.5, count: 16))),
        "undial": .init(forget: UNDIAL(beta: 3)),
    ]

    /// ∇R of the whole set, by one plain backward pass.
    static func riskGradient(_ model: any CausalLanguageModel, _ samples: [FormattedSample], length: Int) throws -> [Float] {
        let b = TokenBatch(samples: samples, indices: Array(samples.indices), padding: 0, fixedLength: length)
        model.zeroGradients()
        try model.forward(tokens: b.tokens, targets: b.targets, mask: b.mask, batch: b.batch, seq: b.seq)
        model.nllLogitGradient(
            coefficients: model.meanNLLCoefficients(mask: b.mask), into: model.logitGradientScratch.baseAddress!)
        model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
        return model.gradients.array
    }

    @Test(arguments: objectives.keys.sorted())
    func instancesMatchTheSlowPath(_ name: String) throws {
        let objective = Self.objectives[name]!
        let inst = try G.instrumenter(objective, chunk: 3)
        let m = try inst.measure(step: 0)
        let model = inst.unlearner.model, data = G.data, T = inst.length
        let reference = inst.unlearner.reference
        let needsRefusal = objective.forget.roles.contains(.refusal)
        var totals: [BatchRole: ObjectiveBatch.Denominator] = [
            .forget: .init(
                answerTokens: Double(RiskSet(name: "f", samples: data.forget).answerTokens), instances: data.forget.count)
        ]
        if needsRefusal {
            totals[.refusal] = .init(
                answerTokens: Double(RiskSet(name: "r", samples: data.refusal).answerTokens), instances: data.forget.count)
        }
        for (k, set) in [data.forget, data.retain].enumerated() {
            let v = try Self.riskGradient(model, set, length: T)
            let r = m.risks[k]
            // The instances add up to the forget term's G-effect, the tokens to their instance.
            #expect(abs(r.instance.reduce(0, +) - r.forgetTerm) <= 1e-5 * max(abs(r.forgetTerm), 1e-9), "\(name) \(r.name)")
            var slow: [Double] = [], slowPG: [Double] = []
            for i in data.forget.indices {
                var batch = ObjectiveBatch(
                    forget: [data.forget[i]], forgetIndices: [i],
                    refusal: needsRefusal ? [data.refusal[i]] : [], padding: 0, fixedLength: T)
                batch.denominators = totals
                _ = try objective.evaluate(model: model, reference: reference, batch: batch, part: .forget)
                slow.append(zip(model.gradients.array, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
                // PG-effect: the gradient of log p(s_i), i.e. of −(summed answer NLL).
                let one = TokenBatch(samples: data.forget, indices: [i], padding: 0, fixedLength: T)
                model.zeroGradients()
                try model.forward(tokens: one.tokens, targets: one.targets, mask: one.mask, batch: 1, seq: T)
                model.nllLogitGradient(coefficients: one.mask.map { -$0 }, into: model.logitGradientScratch.baseAddress!)
                model.backward(logitGradient: model.logitGradientScratch.baseAddress!)
                slowPG.append(zip(model.gradients.array, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) })
            }
            let scale = slow.map(abs).max()!, pgScale = slowPG.map(abs).max()!
            let err = zip(r.instance, slow).map { abs($0 - $1) }.max()! / scale
            let pgErr = zip(r.pgEffect, slowPG).map { abs($0 - $1) }.max()! / pgScale
            print("\(name) \(r.name): per-instance error \(err), PG error \(pgErr) (relative to the largest magnitude)")
            #expect(err < 1e-5, "\(name) \(r.name): \(r.instance) vs \(slow)")
            #expect(pgErr < 1e-5, "\(name) \(r.name): PG \(r.pgEffect) vs \(slowPG)")
            #expect(r.token.count == data.forget.count * T && r.refusalToken.count == (needsRefusal ? data.forget.count * T : 0))
        }
    }
}
