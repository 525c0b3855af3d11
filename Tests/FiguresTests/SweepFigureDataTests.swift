import Figures
import Foundation
import Testing

/// The tables behind the sweep figures hold the seed means and 95 % bands of the settings, computed
/// here by hand, and unfinished runs stay out.
@Suite("Sweep figure data")
struct SweepFigureDataTests {
    /// t_{0.975,2} and t_{0.975,1} (scipy), for the hand-computed bands.
    static let t2 = 4.302652729749462, t1 = 12.706204736174694

    /// Two settings (npo, simnpo) × three seeds of a Markov sweep. simnpo's seed 2 is missing (its
    /// numbers, 100 everywhere, must not show) and its seed 1 diverged after step 5.
    static let markov: SweepData = {
        func run(
            _ name: String, _ seed: Int, status: String = "complete", steps: [Int] = [0, 5, 10], forget: [Double],
            retain: [Double], klRetain: [Double], klForget1: [Double], klForget2: [Double]
        ) -> SweepData.Run {
            SweepData.Run(
                id: "\(name)-seed=\(seed)", status: status, objective: name,
                axes: ["objective.forget.name": name, "run.steps": "10", "seed": String(seed)], steps: steps,
                geffectTotal: ["forget": forget, "retain": retain], evalSteps: [0, 10],
                eval: ["kl_retain": klRetain, "kl_forget1": klForget1, "kl_forget2": klForget2],
                final: ["kl_forget1": klForget1[1], "e_forget": forget.last!])
        }
        let runs = [
            run(
                "npo", 0, forget: [-1, -2, -3], retain: [1, 0, -1], klRetain: [0.1, 0.2], klForget1: [1, 4], klForget2: [0.5, 1]),
            run(
                "npo", 1, forget: [-1, -4, -5], retain: [1, 2, -2], klRetain: [0.1, 0.4], klForget1: [2, 6],
                klForget2: [0.5, .nan]),
            run(
                "npo", 2, forget: [-1, -3, -4], retain: [1, 1, -3], klRetain: [0.1, 0.3], klForget1: [3, 8], klForget2: [0.5, 2]),
            run(
                "simnpo", 0, forget: [-2, -2, -6], retain: [0, 0, 0], klRetain: [0.2, 0.6], klForget1: [1, 9],
                klForget2: [1, 3]),
            run(
                "simnpo", 1, status: "diverged at step 5", steps: [0, 5], forget: [-4, .nan], retain: [2, .nan],
                klRetain: [0.4, .nan], klForget1: [3, .nan], klForget2: [1, .nan]),
            run(
                "simnpo", 2, status: "missing", forget: [100, 100, 100], retain: [100, 100, 100], klRetain: [100, 100],
                klForget1: [100, 100], klForget2: [100, 100]),
        ]
        return SweepData(path: "sweep.h5", axisKeys: ["objective.forget.name", "run.steps", "seed"], runs: runs)
    }()

    func figure(_ kind: SweepFigureKind, _ sweep: SweepData, _ options: SweepFigureOptions = SweepFigureOptions()) throws
        -> Figure
    {
        try SweepFigureCatalog.build(kind, sweep: sweep, options: options).result.get()
    }

    /// The reason a figure cannot be drawn.
    func refusal(_ kind: SweepFigureKind, _ sweep: SweepData, _ options: SweepFigureOptions) -> String {
        switch SweepFigureCatalog.build(kind, sweep: sweep, options: options).result {
        case .success: return "drawn"
        case .failure(let unavailable): return unavailable.reason
        }
    }

    /// `actual` equals `expected` value for value to the table's 10 digits (NaN equal to NaN).
    func expectRows(_ actual: [[Double]], _ expected: [[Double]], _ what: String) {
        #expect(actual.count == expected.count, "\(what): \(actual.count) rows")
        for (a, e) in zip(actual, expected) {
            #expect(a.count == e.count && zip(a, e).allSatisfy(agrees), "\(what): \(a) != \(e)")
        }
    }

    @Test func runsGroupIntoSettingsBySeedlessAxes() {
        let settings = Self.markov.settings
        #expect(settings.map(\.label) == ["forget=npo", "forget=simnpo"])
        #expect(settings.map(\.runs) == [[0, 1, 2], [3, 4]])
        #expect(Self.markov.varyingAxes == ["objective.forget.name"])
        #expect(Self.markov.unfinishedRuns.map(\.id) == ["simnpo-seed=2"])
    }

    @Test func theFrontierHoldsSeedMeansAndBands() throws {
        let drawn = try figure(.frontier, Self.markov)
        let s = 1 / 3.0.squareRoot()
        // step, seeds, kl_retain mean/lower/upper, kl_forget1 …, kl_forget2 …
        expectRows(
            dataBlock(drawn.data, index: 0),
            [
                [0, 3, 0.1, 0.1, 0.1, 2, 2 - Self.t2 * s, 2 + Self.t2 * s, 0.5, 0.5, 0.5],
                [
                    10, 3, 0.3, 0.3 - Self.t2 * 0.1 * s, 0.3 + Self.t2 * 0.1 * s, 6, 6 - Self.t2 * 2 * s, 6 + Self.t2 * 2 * s,
                    1.5, 1.5 - Self.t1 * 0.5, 1.5 + Self.t1 * 0.5,
                ],
            ], "npo")
        // simnpo: seeds 0 and 1 at step 0, seed 0 alone at step 10 (seed 1 diverged): no band.
        expectRows(
            dataBlock(drawn.data, index: 1),
            [
                [0, 2, 0.3, 0.3 - Self.t1 * 0.1, 0.3 + Self.t1 * 0.1, 2, 2 - Self.t1, 2 + Self.t1, 1, 1, 1],
                [10, 1, 0.6, .nan, .nan, 9, .nan, .nan, 3, .nan, .nan],
            ], "simnpo")
        #expect(drawn.script.contains("using 3:6 with lines linetype 1 dashtype 1 title 'forget=npo: forget1'"))
        #expect(drawn.script.contains("using 3:9 with lines linetype 2 dashtype 2 title 'forget=simnpo: forget2'"))
        #expect(drawn.script.contains("using 3:6:4:5:7:8 with xyerrorbars"))
        #expect(!drawn.script.contains("logscale"))
    }

    @Test func theGEffectBandsHoldSeedMeansAndBands() throws {
        let drawn = try figure(.geffectBands, Self.markov)
        let s = 1 / 3.0.squareRoot()
        // forget: npo at 0, 5, 10: (-1,-1,-1), (-2,-4,-3), (-3,-5,-4).
        expectRows(
            dataBlock(drawn.data, index: 0),
            [
                [0, 3, -1, -1, -1], [5, 3, -3, -3 - Self.t2 * s, -3 + Self.t2 * s],
                [10, 3, -4, -4 - Self.t2 * s, -4 + Self.t2 * s],
            ],
            "npo forget")
        // simnpo forget: (-2, -4) at 0, seed 0 alone at 5 (seed 1 NaN) and 10 (seed 1 not recorded).
        expectRows(
            dataBlock(drawn.data, index: 1),
            [[0, 2, -3, -3 - Self.t1, -3 + Self.t1], [5, 1, -2, .nan, .nan], [10, 1, -6, .nan, .nan]],
            "simnpo forget")
        // retain: npo (1,1,1), (0,2,1), (-1,-2,-3).
        expectRows(
            dataBlock(drawn.data, index: 2),
            [[0, 3, 1, 1, 1], [5, 3, 1, 1 - Self.t2 * s, 1 + Self.t2 * s], [10, 3, -2, -2 - Self.t2 * s, -2 + Self.t2 * s]],
            "npo retain")
        #expect(
            drawn.script.contains("using 1:4:5 with filledcurves linetype 1 fillstyle transparent solid 0.2 noborder notitle"))
        #expect(drawn.script.contains("using 1:3 with lines linetype 2 dashtype 1 title 'forget=simnpo'"))
        #expect(drawn.script.contains("set multiplot layout 1,2"))
        #expect(!drawn.data.contains("100"))
    }

    /// `--where` draws only the runs with that axis value; an unknown value is refused.
    @Test func whereSelectsTheSettingsDrawn() throws {
        let drawn = try figure(.geffectBands, Self.markov, SweepFigureOptions(filters: ["name=simnpo"]))
        expectRows(
            dataBlock(drawn.data, index: 0),
            [[0, 2, -3, -3 - Self.t1, -3 + Self.t1], [5, 1, -2, .nan, .nan], [10, 1, -6, .nan, .nan]],
            "simnpo forget alone")
        // One setting left: no axis varies, so it is named by its objective.
        #expect(drawn.script.contains("title 'simnpo'") && !drawn.script.contains("forget=npo"), "\(drawn.script)")
        #expect(
            refusal(.frontier, Self.markov, SweepFigureOptions(filters: ["name=ga"]))
                == "--where name=ga: objective.forget.name takes the values npo, simnpo")
    }

    /// A TOFU sweep draws forget quality on a log axis; a band reaching below zero is cut at the
    /// floor, not dropped.
    @Test func aTOFUFrontierIsLogarithmic() throws {
        let runs = [(0.01, 0.5), (0.03, 0.6), (0.2, 0.55)].enumerated().map { seed, values in
            SweepData.Run(
                id: "\(seed)", axes: ["seed": "\(seed)"], evalSteps: [5],
                eval: ["forget_quality": [values.0], "model_utility": [values.1]])
        }
        let sweep = SweepData(path: "tofu.h5", axisKeys: ["seed"], runs: runs)
        #expect(sweep.settings.map(\.label) == ["all runs"])
        let drawn = try figure(.frontier, sweep)
        let row = dataBlock(drawn.data, index: 0)[0]
        let quality = SeedBand([0.01, 0.03, 0.2])
        #expect(agrees(row[5], 0.08) && agrees(row[6], quality.lower) && quality.lower < 0)
        #expect(drawn.script.contains("set logscale y") && drawn.script.contains("logfloor = 0.008"))
        #expect(drawn.script.contains("($7 > 0 ? $7 : $7 == $7 ? logfloor : NaN)"))
        // --x and --y pick other metrics; a missing one is named.
        let custom = try figure(.frontier, sweep, SweepFigureOptions(x: "forget_quality", y: "model_utility"))
        #expect(custom.script.contains("set title 'model\\_utility vs forget\\_quality over the sweep'"))
        #expect(refusal(.frontier, sweep, SweepFigureOptions(metric: "kl_forget1")).hasPrefix("no /eval/kl_forget1 in tofu.h5"))
    }

    /// `--xrange`/`--yrange` fix the frontier's axes (an empty end stays automatic); a line of
    /// many evaluations carries at most ten error bars; a range that a logarithmic axis cannot
    /// show is refused.
    @Test func theFrontierTakesAxisRangesAndThinsItsBars() throws {
        let ranged = try figure(.frontier, Self.markov, SweepFigureOptions(xRange: AxisRange("0:0.25"), yRange: AxisRange("0:")))
        #expect(ranged.script.contains("set xrange [0:0.25]") && ranged.script.contains("set yrange [0:*]"))
        #expect(!(try figure(.frontier, Self.markov)).script.contains("range ["))
        #expect(ranged.script.contains("every 1 using 3:6:4:5:7:8 with xyerrorbars"))

        let runs = (0..<3).map { seed in
            SweepData.Run(
                id: "\(seed)", axes: ["seed": "\(seed)"], evalSteps: Array(0...50),
                eval: ["kl_retain": (0...50).map { Double($0 + seed) }, "kl_forget1": (0...50).map { Double($0 * seed) }])
        }
        let long = try figure(.frontier, SweepData(path: "long.h5", axisKeys: ["seed"], runs: runs))
        #expect(long.script.contains("every 6 using 3:6:4:5:7:8 with xyerrorbars"))

        let tofu = SweepData(
            path: "tofu.h5", axisKeys: ["seed"],
            runs: [
                SweepData.Run(
                    id: "0", axes: ["seed": "0"], evalSteps: [5], eval: ["forget_quality": [0.1], "model_utility": [0.5]])
            ])
        #expect(
            refusal(.frontier, tofu, SweepFigureOptions(yRange: AxisRange("0:1")))
                == "--yrange must start above 0 on the logarithmic forget-quality axis, not at 0")
        #expect(
            try figure(.frontier, tofu, SweepFigureOptions(yRange: AxisRange("1e-3:1"))).script.contains("set yrange [0.001:1]"))
    }

    @Test func axisRangesParseLowColonHigh() {
        #expect(AxisRange("0:0.3") == AxisRange("0 : 0.3") && AxisRange("0:0.3")?.high == 0.3)
        #expect(AxisRange(":2")?.low == nil && AxisRange(":2")?.high == 2)
        for bad in ["", ":", "0", "1:0", "1:1", "a:2", "0:nan", "0:inf", "0:1:2"] {
            #expect(AxisRange(bad) == nil, "\(bad) parsed")
        }
    }

    /// name × beta × lr × 2 seeds; final forget_quality = beta·lr·(1 + seed) (simnpo: doubled).
    static let grid: SweepData = {
        var runs: [SweepData.Run] = []
        for name in ["npo", "simnpo"] {
            for beta in ["1", "2"] {
                for lr in ["1e-5", "1e-4"] {
                    for seed in 0..<2 {
                        let value = Double(beta)! * Double(lr)! * Double(1 + seed) * (name == "npo" ? 1 : 2)
                        runs.append(
                            SweepData.Run(
                                id: "\(runs.count)",
                                axes: [
                                    "objective.forget.name": name, "objective.forget.beta": beta, "optimizer.lr": lr,
                                    "seed": "\(seed)",
                                ],
                                final: ["forget_quality": value, "e_forget": -value]))
                    }
                }
            }
        }
        return SweepData(
            path: "grid.h5", axisKeys: ["objective.forget.name", "objective.forget.beta", "optimizer.lr", "seed"], runs: runs)
    }()

    @Test func theHeatMapHoldsSeedMeansPerCell() throws {
        #expect(
            refusal(.heatmap, Self.grid, SweepFigureOptions())
                == "the heat map over objective.forget.name and objective.forget.beta needs the other varying axes fixed "
                + "with --where KEY=VALUE: optimizer.lr (1e-5, 1e-4)")
        let drawn = try figure(.heatmap, Self.grid, SweepFigureOptions(filters: ["lr=1e-4"]))
        // Cells (name, beta): mean over seeds 1, 2 of beta·1e-4·(1 + seed)·k = 1.5·beta·1e-4·k.
        let rows = dataBlock(drawn.data, index: 0)
        #expect(rows.map { [$0[0], $0[1]] } == [[0, 0], [1, 0], [0, 1], [1, 1]])
        for row in rows {
            let beta = row[1] + 1, k = row[0] + 1
            let values = [beta * 1e-4 * k, beta * 1e-4 * 2 * k]   // seeds 0 and 1
            let mean = (values[0] + values[1]) / 2
            let s = abs(values[1] - values[0]) / 2.0.squareRoot()
            let expected = [mean, mean - Self.t1 * s / 2.0.squareRoot(), mean + Self.t1 * s / 2.0.squareRoot(), 2]
            #expect(zip(Array(row[2...]), expected).allSatisfy(agrees), "\(row) != \(expected)")
        }
        #expect(drawn.script.contains("set xtics ('npo' 0, 'simnpo' 1)"))
        #expect(drawn.script.contains("set title 'forget\\_quality: mean over seeds (lr=1e-4)'"))
        #expect(drawn.script.contains("with boxxyerror linecolor palette"))
        #expect(drawn.script.contains("using 1:2:(valid(3) ? sprintf('%.3g', $3) : '') with labels"))
    }

    @Test func theHeatMapTakesAxesMetricAndFilters() throws {
        let options = SweepFigureOptions(x: "lr", y: "objective.forget.name", metric: "e_forget", filters: ["beta=2"])
        let drawn = try figure(.heatmap, Self.grid, options)
        let rows = dataBlock(drawn.data, index: 0)
        // (lr=1e-5, npo): -(2e-5·1 + 2e-5·2)/2 = -3e-5.
        #expect(agrees(rows[0][2], -3e-5) && rows[0][0] == 0 && rows[0][1] == 0)
        #expect(drawn.script.contains("set ytics ('npo' 0, 'simnpo' 1)"))
        for (options, reason) in [
            (SweepFigureOptions(x: "seed"), "--x seed: the seeds are averaged in every cell"),
            (
                SweepFigureOptions(x: "gamma"),
                "--x gamma: no such axis in grid.h5 (its axes: objective.forget.name, "
                    + "objective.forget.beta, optimizer.lr, seed)"
            ),
            (SweepFigureOptions(filters: ["lr=3"]), "--where lr=3: optimizer.lr takes the values 1e-5, 1e-4"),
            (SweepFigureOptions(filters: ["lr"]), "--where lr: expected KEY=VALUE"),
            (SweepFigureOptions(filters: ["name=npo"]), "--where name=npo: objective.forget.name is an axis of the heat map"),
            (SweepFigureOptions(metric: "nope"), "no /final/nope in grid.h5 (its /final values: e_forget, forget_quality)"),
            (SweepFigureOptions(x: "lr", y: "optimizer.lr"), "--x and --y both name optimizer.lr"),
        ] {
            #expect(refusal(.heatmap, Self.grid, options) == reason)
        }
    }
}
