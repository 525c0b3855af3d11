import Figures
import Foundation
import Testing
import TestSupport

/// The sweep figures render through gnuplot; `gscope plot` recognises a sweep file, refuses
/// run-file figures for it (and sweep figures for run files) and damaged sweep files in one line;
/// hostile axis values reach gnuplot only as quoted strings.
@Suite("Sweep rendering", .serialized)
struct SweepRenderingTests {
    @Test func everySweepFigureRenders() throws {
        let path = try SweepFileTests.written("render")
        let sweep = try SweepData(path: path)
        let out = temporaryDirectory("sweep-figures")
        let renderer = try GnuplotRenderer(outputDirectory: out)
        for kind in SweepFigureKind.allCases {
            let figure = try SweepFigureCatalog.build(kind, sweep: sweep).result.get()
            #expect(figure.name == kind.rawValue)
            let rendered = try renderer.render(figure)
            #expect(rendered.warnings.isEmpty, "\(figure.name): \(rendered.warnings)")
            let png = try Data(contentsOf: URL(fileURLWithPath: rendered.png))
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 5_000, "\(figure.name).png is \(png.count) bytes")
            let pdf = try Data(contentsOf: URL(fileURLWithPath: rendered.pdf))
            #expect(pdf.starts(with: Array("%PDF".utf8)) && pdf.count > 1_000, "\(figure.name).pdf")
            let script = try String(contentsOfFile: rendered.script, encoding: .utf8)
            #expect(!script.contains("\"") && !script.contains("`"), "\(figure.name).gp: every string is single-quoted")
        }
        // The same file gives the same bytes.
        let again = try SweepData(path: path)
        for kind in SweepFigureKind.allCases {
            #expect(
                try SweepFigureCatalog.build(kind, sweep: sweep).result.get()
                    == SweepFigureCatalog.build(kind, sweep: again).result.get())
        }
        print("rendered the sweep figures into \(out)")
    }

    /// A TOFU-shaped sweep (forget quality on a log axis, a band reaching below zero) renders
    /// without a gnuplot warning.
    @Test func aLogarithmicFrontierRenders() throws {
        let runs = [(0.01, 0.5), (0.03, 0.6), (0.2, 0.55), (0.4, 0.5)].enumerated().map { index, values in
            SweepData.Run(
                id: "\(index)", axes: ["objective.forget.name": index < 2 ? "npo" : "simnpo", "seed": "\(index % 2)"],
                evalSteps: [0, 5], eval: ["forget_quality": [1e-4, values.0], "model_utility": [0.6, values.1]])
        }
        let sweep = SweepData(path: "tofu.h5", axisKeys: ["objective.forget.name", "seed"], runs: runs)
        let renderer = try GnuplotRenderer(outputDirectory: temporaryDirectory("sweep-tofu"))
        let rendered = try renderer.render(try SweepFigureCatalog.build(.frontier, sweep: sweep).result.get())
        #expect(rendered.warnings.isEmpty, "\(rendered.warnings)")
    }

    @Test func theCommandTellsSweepFilesFromRunFiles() throws {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else {
            Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
            return
        }
        let path = try SweepFileTests.written("command")
        let work = temporaryDirectory("sweep-command")
        let all = try runGscope(["plot", path, "--out", work + "/all"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("left out 1 of 8 runs that did not finish: 0007-name=simnpo (missing)"), "\(all.stdout)")
        let written = try FileManager.default.contentsOfDirectory(atPath: work + "/all").filter { $0.hasSuffix(".png") }.sorted()
        #expect(written == ["frontier.png", "geffect-bands.png", "heatmap.png"])

        let heatmap = try runGscope(
            [
                "plot", path, "--figure", "heatmap", "--metric", "forget_nll_after", "--x", "beta", "--y", "name", "--out",
                work + "/h",
            ])
        #expect(heatmap.status == 0, "\(heatmap.stderr)")
        let table = try String(contentsOfFile: work + "/h/heatmap.dat", encoding: .utf8)
        // (beta=1, npo): runs 0, 1 → forget_nll_after 2, 3.
        #expect(agrees(dataBlock(table, index: 0)[0][2], 2.5))

        let runFigure = try runGscope(["plot", path, "--figure", "markov", "--out", work + "/m"])
        #expect(
            runFigure.status == 2
                && runFigure.stderr
                    == "gscope plot: markov draws run files; \(path) is a sweep file, whose figures are frontier, heatmap, geffect-bands\n",
            "\(runFigure.stderr)")
        let sweepFigure = try runGscope(["plot", FigureFixtures.evaluations, "--figure", "frontier", "--out", work + "/f"])
        #expect(
            sweepFigure.status == 2
                && sweepFigure.stderr
                    == "gscope plot: frontier draws a sweep file (DIR/sweep.h5 from gscope sweep collect), not run files\n",
            "\(sweepFigure.stderr)")
        let mixed = try runGscope(["plot", path, FigureFixtures.evaluations, "--out", work + "/x"])
        #expect(mixed.status == 2 && mixed.stderr.contains("a sweep file is plotted alone"), "\(mixed.stderr)")
        for flag in [["--metric", "x"], ["--xrange", "0:1"]] {
            let options = try runGscope(["plot", FigureFixtures.evaluations] + flag + ["--out", work + "/o"])
            #expect(
                options.status == 2 && options.stderr.contains("--x, --y, --metric, --where, --xrange and --yrange"),
                "\(options.stderr)")
        }
        let loose = try runGscope(["plot", path, "--figure", "heatmap", "--x", "seed", "--out", work + "/l"])
        #expect(
            loose.status == 2
                && loose.stderr == "gscope plot: cannot draw heatmap: --x seed: the seeds are averaged in every cell\n",
            "\(loose.stderr)")

        let damaged = try SweepFileTests.written("command-damaged") {
            $0.numbers["geffect/retain/total"] = (Array(repeating: 1, count: 21), [7, 3], false)
        }
        let refused = try runGscope(["plot", damaged, "--out", work + "/d"])
        #expect(
            refused.status == 2 && !refused.signalled
                && refused.stderr
                    == "gscope: \(damaged): /geffect/retain/total has shape [7, 3], expected [8, 3] "
                    + "(R = 8 runs of /runs/id, S = 3 columns of /steps)\n",
            "exit \(refused.status): \(refused.stderr)")
    }

    /// Axis values, ids and metric names that would run `touch CANARY` if gnuplot interpreted them
    /// show in the figures as text and run nothing, in `gscope plot` and in the saved scripts.
    @Test func hostileAxisValuesRunNothing() throws {
        guard FileManager.default.isExecutableFile(atPath: gscopeBinary) else {
            Issue.record("\(gscopeBinary) is missing: build it first (`make test` does)")
            return
        }
        let names = [GnuplotSafetyTests.hostile("npo"), "simnpo'\n$(touch CANARY)\"q\""]
        var image = SweepFileImage.markov(axisValues: names)
        image.strings["runs/id"] = image.strings["runs/id"]!.map { $0 + "`touch CANARY`" }
        for metric in ["kl_retain", "kl_forget1", "kl_forget2"] {
            image.numbers["eval/\(metric)"] = nil
        }
        image.numbers["eval/" + GnuplotSafetyTests.hostile("x")] = (Array(repeating: 0.5, count: 16), [8, 2], false)
        image.numbers["eval/y'$(touch CANARY)"] = (Array(repeating: 0.25, count: 16), [8, 2], false)
        image.numbers["final/" + GnuplotSafetyTests.hostile("final")] = (Array(repeating: 1, count: 8), [8], false)
        let root = temporaryDirectory("sweep-hostile")
        let path = root + "/sweep `touch CANARY` 'a' \"b\".h5"
        try image.write(to: path)
        let out = root + "/out $(touch CANARY)"
        let hostileX = GnuplotSafetyTests.hostile("x"), hostileFinal = GnuplotSafetyTests.hostile("final")
        for arguments in [
            ["--figure", "frontier", "--x", hostileX, "--y", "y'$(touch CANARY)"],
            ["--figure", "heatmap", "--metric", hostileFinal],
            ["--figure", "geffect-bands"],
        ] {
            let result = try runGscope(["plot", path, "--out", out] + arguments, in: root)
            #expect(result.status == 0, "\(arguments[1]): \(result.stderr)")
        }
        #expect(GnuplotSafetyTests.canaries(under: root).isEmpty, "gscope plot ran a command")
        let scripts = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasSuffix(".gp") }.sorted()
        #expect(scripts == ["frontier.gp", "geffect-bands.gp", "heatmap.gp"])
        let gnuplot = try #require(
            ["/usr/bin/gnuplot", "/usr/local/bin/gnuplot"].first { FileManager.default.isExecutableFile(atPath: $0) })
        for script in scripts {
            let text = try String(contentsOfFile: out + "/" + script, encoding: .utf8)
            #expect(!text.contains("`"), "\(script) holds a backtick")
            #expect(text.contains("touch CANARY"), "\(script) should show the hostile names")
            let (status, stderr) = try GnuplotSafetyTests.run(gnuplot, [script], in: out)
            #expect(status == 0, "gnuplot \(script): \(stderr)")
        }
        #expect(GnuplotSafetyTests.canaries(under: root).isEmpty, "a saved .gp ran a command")
    }
}
