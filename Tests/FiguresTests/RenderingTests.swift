import Figures
import Foundation
import Testing
import TestSupport

/// Every figure renders with gnuplot to a PNG and a PDF beside its `.gp` and `.dat`.
@Suite("Rendering", .serialized)
struct RenderingTests {
    /// Renders every drawable figure of `runs` into a new directory; returns it and the names drawn.
    func renderAll(_ runs: [RunData], label: String) throws -> (String, [String], [String]) {
        let out = temporaryDirectory("figures-\(label)")
        let renderer = try GnuplotRenderer(outputDirectory: out)
        var drawn: [String] = [], skipped: [String] = []
        for kind in FigureKind.allCases {
            for outcome in FigureCatalog.build(kind, runs: runs) {
                guard case .success(let figure) = outcome.result else { skipped.append(outcome.name); continue }
                let rendered = try renderer.render(figure)
                #expect(rendered.warnings.isEmpty, "\(figure.name): \(rendered.warnings)")
                let png = try Data(contentsOf: URL(fileURLWithPath: rendered.png))
                #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(figure.name).png")
                #expect(png.count > 5_000, "\(figure.name).png is \(png.count) bytes")
                let pdf = try Data(contentsOf: URL(fileURLWithPath: rendered.pdf))
                #expect(pdf.starts(with: Array("%PDF".utf8)) && pdf.count > 1_000, "\(figure.name).pdf")
                let script = try String(contentsOfFile: rendered.script, encoding: .utf8)
                #expect(script.contains("datafile = '\(figure.name).dat'"))
                #expect(!script.contains("\"") && !script.contains("`"), "\(figure.name).gp: every string is single-quoted")
                #expect(try String(contentsOfFile: rendered.data, encoding: .utf8) == figure.data)
                drawn.append(figure.name)
            }
        }
        print("rendered into \(out): \(drawn)")
        return (out, drawn, skipped)
    }

    @Test func oneRunDrawsItsFigures() throws {
        let (_, drawn, skipped) = try renderAll([try RunData(path: FigureFixtures.npo)], label: "npo")
        #expect(drawn == ["geffect", "layers", "blocks", "heads", "interference", "instances", "weights", "fidelity"])
        #expect(skipped == ["groups", "compare", "tradeoff", "markov", "recovery"])
    }

    /// A relearning run (the NPO fixture marked as `gscope relearn` marks its runs) draws the
    /// recovery curves, alone and beside a plain run.
    @Test func aRelearningRunDrawsItsRecovery() throws {
        let path = try FigureFixtures.relearning()
        let (_, drawn, _) = try renderAll([try RunData(path: path), try RunData(path: FigureFixtures.ga)], label: "relearn")
        #expect(drawn.contains("recovery"))
    }

    @Test func aMarkovRunDrawsItsGroups() throws {
        let (_, drawn, _) = try renderAll([try RunData(path: FigureFixtures.markovNPO)], label: "markov")
        #expect(drawn.contains("groups") && drawn.contains("weights"))
    }

    @Test func twoRunsDrawSideBySide() throws {
        let runs = [try RunData(path: FigureFixtures.npo), try RunData(path: FigureFixtures.ga)]
        let (_, drawn, _) = try renderAll(runs, label: "two")
        #expect(drawn.contains("compare") && drawn.contains("geffect") && drawn.contains("layers-2"))
    }

    @Test func evaluationsDrawTradeoffAndMarkov() throws {
        let (_, drawn, _) = try renderAll([try RunData(path: FigureFixtures.evaluations)], label: "eval")
        #expect(drawn == ["tradeoff", "markov"])
    }

    @Test func aGnuplotErrorNamesTheFigure() throws {
        let renderer = try GnuplotRenderer(outputDirectory: temporaryDirectory("figures-bad"))
        let broken = Figure(name: "broken", data: "1\t2\n", script: "plot \"broken.dat\" using 1:2 with nonsense\n")
        do {
            _ = try renderer.render(broken)
            Issue.record("a broken script rendered")
        } catch {
            #expect("\(error)".contains("figure broken") && "\(error)".contains("nonsense"))
        }
    }
}
