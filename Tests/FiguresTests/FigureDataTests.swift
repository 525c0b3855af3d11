import Figures
import Foundation
import Store
import Testing

/// The tables behind the figures hold the run file's numbers, and the same files give the same
/// bytes.
@Suite("Figure data")
struct FigureDataTests {
    let npo = try! RunData(path: FigureFixtures.npo)

    func figure(_ kind: FigureKind, _ runs: [RunData], _ options: FigureOptions = FigureOptions()) throws -> Figure {
        let outcomes = FigureCatalog.build(kind, runs: runs, options: options)
        #expect(outcomes.count == 1)
        return try outcomes[0].result.get()
    }

    @Test func theRunDataIsTheFilesNumbers() throws {
        let root = try H5File.open(FigureFixtures.npo).root
        #expect(npo.steps == [0, 1, 2, 3])
        #expect(npo.riskSets == ["forget", "retain", "world_facts"])
        #expect(npo.objective == "npo+kl" && npo.label == "npo+kl")
        #expect(npo.geffectTotal["retain"] == (try root.read("geffect/retain/total", as: Double.self).values))
        #expect(npo.groupNames == ["embed", "shallow", "middle", "deep", "lm"])
        #expect(npo.instanceWeights?.rows == 4 && npo.instanceWeights?.columns == 16)
        #expect(npo.tokenWeights.count == 4 && npo.learningRates.count == 3)
    }

    @Test func theGEffectTableHoldsTheTotals() throws {
        let root = try H5File.open(FigureFixtures.npo).root
        let rows = dataBlock(try figure(.geffect, [npo]).data, index: 0)
        #expect(rows.map { $0[0] } == [0, 1, 2, 3])
        for (column, set) in ["forget", "retain", "world_facts"].enumerated() {
            let stored = try root.read("geffect/\(set)/total", as: Double.self).values
            #expect(zip(rows.map { $0[column + 1] }, stored).allSatisfy(agrees), "\(set)")
        }
        let cumulative = dataBlock(try figure(.geffect, [npo], FigureOptions(cumulative: true)).data, index: 0)
        let forget = try root.read("geffect/forget/total", as: Double.self).values
        #expect(agrees(cumulative[3][1], forget.reduce(0, +)))
    }

    @Test func theLayerAndBlockTablesHoldTheSplits() throws {
        let root = try H5File.open(FigureFixtures.npo).root
        let groups = try root.read("geffect/retain/group", as: Double.self).values
        let layers = dataBlock(try figure(.layers, [npo]).data, index: 1)
        #expect(zip(layers.flatMap { $0.dropFirst() }, groups).allSatisfy(agrees))
        let blocks = try root.read("geffect/forget/block", as: Double.self).values
        let table = dataBlock(try figure(.blocks, [npo]).data, index: 0)
        #expect(table.count == 8 && zip(table.map { $0[3] }, blocks).allSatisfy(agrees))
    }

    /// The heads figure's tables hold `/geffect/<set>/head`; in the run file, each block's heads,
    /// MLP unit groups and rest sum to `/geffect/<set>/block`.
    @Test func theHeadTablesHoldTheHeadsAndTheUnitsSumToTheBlocks() throws {
        let root = try H5File.open(FigureFixtures.npo).root
        let (head, shape) = try root.read("geffect/forget/head", as: Double.self)
        #expect(shape == [4, 2, 2])
        let (S, L, H) = (shape[0], shape[1], shape[2])
        let atLast = dataBlock(try figure(.heads, [npo]).data, index: 0)
        #expect(atLast.count == L * H)
        for row in atLast { #expect(agrees(row[2], head[(S - 1) * L * H + Int(row[1]) * H + Int(row[0])])) }
        let overSteps = dataBlock(try figure(.heads, [npo]).data, index: 2)
        #expect(overSteps.count == S * L * H)
        for row in overSteps { #expect(agrees(row[2], head[Int(row[0]) * L * H + Int(row[1])])) }
        for set in ["forget", "retain", "world_facts"] {
            let head = try root.read("geffect/\(set)/head", as: Double.self).values
            let mlp = try root.read("geffect/\(set)/mlp_group", as: Double.self).values
            let rest = try root.read("geffect/\(set)/block_rest", as: Double.self).values
            let block = try root.read("geffect/\(set)/block", as: Double.self).values
            let scale = try root.read("geffect/\(set)/tensor", as: Double.self).values.map(abs).reduce(0, +)
            for k in 0..<(S * L) {
                let units = head[(k * H)..<((k + 1) * H)].reduce(0, +) + mlp[(k * 8)..<((k + 1) * 8)].reduce(0, +) + rest[k]
                #expect(abs(units - block[k]) <= 1e-9 * scale, "\(set) row \(k): \(units) vs \(block[k])")
            }
        }
    }

    /// The interference figure's tables hold `/interference/<set>/instance` at the last measured
    /// step, forget first; authors are read from `/data/<set>/author`.
    @Test func theInterferenceTablesHoldThePairs() throws {
        let root = try H5File.open(FigureFixtures.npo).root
        #expect(npo.interferenceSteps == [0, 3])
        for (block, set) in ["forget", "retain"].enumerated() {
            let (I, shape) = try root.read("interference/\(set)/instance", as: Double.self)
            let table = dataBlock(try figure(.interference, [npo]).data, index: block)
            let (Nf, N) = (shape[1], shape[2])
            #expect(table.count == Nf * N)
            for row in table { #expect(agrees(row[2], I[(1 * Nf + Int(row[1])) * N + Int(row[0])])) }
            let atZero = dataBlock(try figure(.interference, [npo], FigureOptions(step: 0)).data, index: block)
            #expect(zip(atZero.map { $0[2] }, (0..<Nf).flatMap { i in (0..<N).map { I[i * N + $0] } }).allSatisfy(agrees))
        }
        #expect(npo.itemGroups["forget"]?.count == 16 && npo.itemGroups["retain"]?.count == 8)
        #expect(throws: FigureUnavailable.self) { try figure(.interference, [npo], FigureOptions(step: 1)) }
    }

    /// The recovery table holds the whole forget split's risk (the set `relearn_risk_set` names)
    /// against the step, one block per relearning run; plain runs are left out.
    @Test func theRecoveryTableHoldsTheForgetSplitsRisk() throws {
        let relearning = try RunData(path: try FigureFixtures.relearning())
        let built = try figure(.recovery, [relearning, npo])
        let rows = dataBlock(built.data, index: 0)
        #expect(rows.map { $0[0] } == [0, 1, 2, 3])
        #expect(zip(rows.map { $0[1] }, npo.risk["world_facts"]!).allSatisfy(agrees))
        #expect(built.script.contains("npo (attacked)") && !built.data.contains(FigureFixtures.npo))
        #expect(throws: FigureUnavailable.self) { try figure(.recovery, [npo]) }
    }

    @Test func theFidelityTablePredictsWithTheLearningRate() throws {
        let rows = dataBlock(try figure(.fidelity, [npo]).data, index: 0)
        let risk = npo.risk["forget"]!, e = npo.geffectTotal["forget"]!, u = npo.updateEffect["forget"]!
        #expect(rows.count == 3)
        for (k, row) in rows.enumerated() {
            let eta = npo.learningRates[k]
            #expect(abs(eta - 1e-3) < 1e-9 && agrees(row[2], eta))
            #expect(agrees(row[3], risk[k + 1] - risk[k]) && agrees(row[4], -eta * e[k]) && agrees(row[5], -eta * u[k]))
        }
    }

    @Test func theInstanceTablePoolsTheChosenSteps() throws {
        let built = try figure(.instances, [npo], FigureOptions(steps: [1, 3, 7]))
        let blocks = built.data.components(separatedBy: "\n\n\n").indices.flatMap { dataBlock(built.data, index: $0) }
        #expect(blocks.count == 2 * 16)
        #expect(Set(blocks.map { $0[0] }) == [1, 3])
        let forget = npo.pgeffectInstance["forget"]!, weights = npo.instanceWeights!
        for row in blocks {
            let k = npo.steps.firstIndex(of: Int(row[0]))!, i = Int(row[1])
            #expect(agrees(row[2], forget[k, i]) && agrees(row[4], weights[k, i]))
        }
        let missing = FigureCatalog.build(.instances, runs: [npo], options: FigureOptions(steps: [7]))[0].result
        #expect(throws: FigureUnavailable.self) { try missing.get() }
    }

    @Test func theWeightTableHoldsQuantilesAndTokens() throws {
        let built = try figure(.weights, [npo], FigureOptions(step: 2))
        let quantiles = dataBlock(built.data, index: 0)
        let weights = npo.instanceWeights!
        for k in 0..<4 {
            let row = weights.row(k)
            #expect(agrees(quantiles[k][1], row.min()!) && agrees(quantiles[k][5], row.max()!))
        }
        let tokens = dataBlock(built.data, index: 1)
        for row in tokens { #expect(agrees(row[2], npo.tokenWeights[2][Int(row[1]), Int(row[0])])) }
        #expect(built.data.contains("token weights at step 2"))
    }

    /// Markov runs name each forget instance's chain; `groups` sums the instances' G-effects per
    /// chain (adding up to the forget term) and takes each chain's median weight.
    @Test func theGroupTableSplitsTheForgetTermByChain() throws {
        let run = try RunData(path: FigureFixtures.markovNPO)
        let groups = try #require(run.forgetGroups)
        #expect(groups.count == 12 && Set(groups) == ["forget1", "forget2"])
        let built = try figure(.groups, [run])
        #expect(built.data.contains("forget_forget1\tforget_forget2\tretain_forget1\tretain_forget2"))
        let sums = dataBlock(built.data, index: 0), medians = dataBlock(built.data, index: 1)
        let root = try H5File.open(FigureFixtures.markovNPO).root
        let term = try root.read("geffect/forget/term/forget", as: Double.self).values
        let weights = run.instanceWeights!
        for k in 0..<3 {
            #expect(abs(sums[k][1] + sums[k][2] - term[k]) <= 1e-5 * max(1, abs(term[k])))
            let forget2 = groups.indices.filter { groups[$0] == "forget2" }.map { weights[k, $0] }.sorted()
            let median =
                forget2.count % 2 == 1
                ? forget2[forget2.count / 2]
                : (forget2[forget2.count / 2 - 1] + forget2[forget2.count / 2]) / 2
            #expect(agrees(medians[k][2], median))
        }
        // QA runs have no groups.
        if case .failure(let why) = FigureCatalog.build(.groups, runs: [npo])[0].result {
            #expect(why.reason.contains("data/forget/group"))
        } else {
            Issue.record("groups of a QA run was drawn")
        }
    }

    @Test func evaluationsGiveTradeoffAndMarkov() throws {
        let run = try RunData(path: FigureFixtures.evaluations)
        let tradeoff = dataBlock(try figure(.tradeoff, [run]).data, index: 0)
        #expect(tradeoff == [[0, 0.62, 0.001], [5, 0.58, 0.02], [10, 0.51, 0.4]])
        let markov = try figure(.markov, [run]).data
        #expect(dataBlock(markov, index: 0) == [[0, 0.05, 0.04, 0.045], [5, 0.07, 0.3, 0.2], [10, 0.09, 0.8, 0.5]])
        #expect(dataBlock(markov, index: 1) == [[0, 0.9, 0.6, 0.01, 0.012, 0.011]])
    }

    @Test func compareTakesEveryRunAndItsLabel() throws {
        let ga = try RunData(path: FigureFixtures.ga, label: "gradient ascent")
        let built = try figure(.compare, [npo, ga])
        #expect(built.script.contains("title 'npo+kl'") && built.script.contains("title 'gradient ascent'"))
        #expect(zip(dataBlock(built.data, index: 2).map { $0[1] }, ga.geffectTotal["forget"]!).allSatisfy(agrees))
        let perRun = FigureCatalog.build(.layers, runs: [npo, ga])
        #expect(perRun.map(\.name) == ["layers-1", "layers-2"])
    }

    @Test func missingDataIsSkippedWithAReason() throws {
        let evalOnly = try RunData(path: FigureFixtures.evaluations)
        let outcome = FigureCatalog.build(.instances, runs: [evalOnly])[0]
        #expect(throws: FigureUnavailable.self) { try outcome.result.get() }
        if case .failure(let why) = outcome.result { #expect(why.reason.contains("pgeffect")) }
        if case .failure(let why) = FigureCatalog.build(.compare, runs: [npo])[0].result {
            #expect(why.reason.contains("two run files"))
        } else {
            Issue.record("compare of one run was drawn")
        }
        if case .failure(let why) = FigureCatalog.build(.markov, runs: [npo])[0].result {
            #expect(why.reason.contains("kl_retain"))
        } else {
            Issue.record("markov without KL metrics was drawn")
        }
    }

    @Test func theSameFilesGiveTheSameBytes() throws {
        let again = try RunData(path: FigureFixtures.npo)
        for kind in FigureKind.allCases {
            let first = FigureCatalog.build(kind, runs: [npo]).map { try? $0.result.get() }
            let second = FigureCatalog.build(kind, runs: [again]).map { try? $0.result.get() }
            #expect(first == second, "\(kind)")
        }
    }
}
