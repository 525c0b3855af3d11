import ArgumentParser
import Figures
import Foundation
import Store

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw publication-ready gnuplot figures (PNG and PDF) from run files or a sweep file.",
        discussion: """
            Reads one or more run files (docs/run-file.md) and writes, per figure, NAME.png, NAME.pdf \
            and beside them NAME.dat (the numbers plotted, with a commented header per block) and \
            NAME.gp (a standalone gnuplot script: edit it and run `gnuplot NAME.gp` in --out to redraw). \
            Figures that draw one run at a time (layers, blocks, instances, weights, groups, fidelity) are \
            written as NAME-1, NAME-2, … when several runs are given. A G-effect e = <grad R, grad L> \
            is the first-order change of risk R per unit learning rate, with the sign flipped: \
            e > 0 means a step on the objective lowers R. Unlearning wants e < 0 on the forget set and \
            e >= 0 on the retain set.

            Figures of run files:
            \(FigureKind.allCases.map { "  \($0.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

            Figures of a sweep file (DIR/sweep.h5 from gscope sweep collect; give it alone). A setting is the runs \
            that share every axis value except seed; its lines and cells are drawn at the mean of its seeds, with \
            the 95 % band mean ± t(0.975, n-1)·s/√n over the seeds' finite values (no band for one seed). Only \
            runs that completed or diverged are drawn; the others are listed:
            \(SweepFigureKind.allCases.map { "  \($0.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

            --figure all draws every figure the files have data for and lists the ones skipped, with why \
            (a paper-mode run has no per-instance PG-effects; tradeoff needs TOFU evaluations, markov \
            the Markov KL metrics; compare needs two runs). Naming one figure the files cannot give is \
            an error. Every string that reaches gnuplot (titles, labels, run and set names) is written as a \
            single-quoted gnuplot string with line breaks and backticks replaced, so a run file or a \
            --label cannot run commands. A run file whose datasets do not fit together is refused with \
            the dataset named (exit status 2).

            Examples:
              gscope plot runs/npo/run.h5 --out plots/npo
              gscope plot runs/npo/run.h5 --figure instances --steps 5,10,15 --out plots/npo
              gscope plot runs/ga/run.h5 runs/npo/run.h5 --label GA --label NPO --figure compare --out plots/cmp
              gscope plot runs/sweeps/markov/sweep.h5 --figure frontier --where markov=A --xrange 0:0.25 --yrange 0:1.5 \\
                --out plots/sweeps/markov/A
              gscope plot runs/sweeps/npo/sweep.h5 --figure heatmap --metric forget_quality --x beta --y lr --where name=npo
            """)

    @Argument(help: "Run files written by gscope unlearn, or one sweep file written by gscope sweep collect.") var paths: [String]
    @Option(help: "The figure to draw, or all.") var figure: FigureChoice = .all
    @OptionGroup var output: OutputDirectoryOptions
    @Option(help: "Recorded steps the instances figure pools, comma-separated (default: three spread steps).") var steps: String?
    @Option(
        help:
            "Recorded step of the weights figure's token map, the heads figure's block x head map and the interference maps (default: the last)."
    )
    var step: Int?
    @Flag(help: "geffect: plot the running sums of the G-effects over recorded steps.") var cumulative = false
    @Option(help: "Legend name of each run, in the order of the files (repeat; default: the objective).") var label: [String] = []
    @Option(
        help: ArgumentHelp(
            "Sweep file: the /eval metric on x of frontier; the axis on x of heatmap (a key or its last component).",
            valueName: "name"))
    var x: String?
    @Option(help: ArgumentHelp("Sweep file: the /eval metric on y of frontier; the axis on y of heatmap.", valueName: "name"))
    var y: String?
    @Option(
        help: ArgumentHelp(
            "Sweep file: the /final value of heatmap (default forget_quality, kl_forget1 or forget_nll_after); frontier: as --y.",
            valueName: "name"))
    var metric: String?
    @Option(
        name: .customLong("where"),
        help: ArgumentHelp(
            "Sweep file: draw only the runs with this axis value (repeat; the key may be its last component); heatmap: fix an axis that varies besides --x and --y.",
            valueName: "key=value"))
    var fixedAxes: [String] = []
    @Option(
        help: ArgumentHelp(
            "Sweep file: the x range of frontier, e.g. 0:0.3 (an end left empty stays automatic).", valueName: "low:high"))
    var xrange: AxisRange?
    @Option(help: ArgumentHelp("Sweep file: the y range of frontier, e.g. 0:1.", valueName: "low:high"))
    var yrange: AxisRange?

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("give at least one run file") }
        guard label.count <= paths.count else { throw ValidationError("\(label.count) labels for \(paths.count) run files") }
        _ = try stepList()
    }

    /// `--steps` as numbers.
    func stepList() throws -> [Int]? {
        try steps.map { text in
            try text.split(separator: ",").map { part in
                guard let step = Int(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("--steps must be comma-separated step numbers, got \"\(text)\"")
                }
                return step
            }
        }
    }

    func run() throws {
        let sweepFiles = paths.filter(SweepData.isSweepFile)
        guard sweepFiles.isEmpty else { return try plotSweep(sweepFiles) }
        if case .sweep(let kind) = figure {
            try refuse("\(kind.rawValue) draws a sweep file (DIR/sweep.h5 from gscope sweep collect), not run files")
        }
        if x != nil || y != nil || metric != nil || !fixedAxes.isEmpty || xrange != nil || yrange != nil {
            try refuse(
                "--x, --y, --metric, --where, --xrange and --yrange choose what a sweep file's figures show; these are run files")
        }
        let runs = try reportingRunFileErrors {
            try paths.enumerated().map { index, path in
                try RunData(path: path, label: index < label.count ? label[index] : nil)
            }
        }
        let options = FigureOptions(steps: try stepList(), step: step, cumulative: cumulative)
        try render(figure.kinds.flatMap { FigureCatalog.build($0, runs: runs, options: options) })
    }

    /// Draws the figures of the sweep file `sweepFiles[0]`, the only file given.
    func plotSweep(_ sweepFiles: [String]) throws {
        guard paths.count == 1 else {
            try refuse("a sweep file is plotted alone; \(sweepFiles.joined(separator: ", ")) among \(paths.count) files")
        }
        if case .one(let kind) = figure {
            try refuse(
                "\(kind.rawValue) draws run files; \(paths[0]) is a sweep file, whose figures are "
                    + SweepFigureKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard label.isEmpty, steps == nil, step == nil, !cumulative else {
            try refuse("--label, --steps, --step and --cumulative apply to run files; \(paths[0]) is a sweep file")
        }
        let sweep = try reportingRunFileErrors { try SweepData(path: paths[0]) }
        let unfinished = sweep.unfinishedRuns
        if !unfinished.isEmpty {
            print(
                "left out \(unfinished.count) of \(sweep.runs.count) runs that did not finish: "
                    + unfinished.map { "\($0.id) (\($0.status))" }.joined(separator: ", "))
        }
        let options = SweepFigureOptions(
            x: x, y: y, metric: metric, filters: fixedAxes, xRange: xrange, yRange: yrange)
        try render(figure.sweepKinds.map { SweepFigureCatalog.build($0, sweep: sweep, options: options) })
    }

    /// Renders every figure built; lists the ones that could not be drawn, and fails (exit 2) when
    /// one figure was asked for by name.
    func render(_ outcomes: [FigureCatalog.Outcome]) throws {
        let renderer = try GnuplotRenderer(outputDirectory: output.out)
        var skipped: [String] = []
        for outcome in outcomes {
            switch outcome.result {
            case .success(let built):
                let rendered = try renderer.render(built)
                print("wrote \(rendered.png), \(rendered.pdf) (with \(built.name).gp, \(built.name).dat)")
                if !rendered.warnings.isEmpty { print("  gnuplot: \(rendered.warnings)") }
            case .failure(let unavailable):
                skipped.append("\(outcome.name): \(unavailable.reason)")
            }
        }
        guard !skipped.isEmpty else { return }
        if figure != .all {
            FileHandle.standardError.write(Data(("gscope plot: cannot draw " + skipped.joined(separator: "; ") + "\n").utf8))
            throw ExitCode(2)
        }
        print("skipped:\n" + skipped.map { "  " + $0 }.joined(separator: "\n"))
    }

    /// Prints `gscope plot: message` and ends the command with exit status 2 (bad input).
    func refuse(_ message: String) throws -> Never {
        FileHandle.standardError.write(Data("gscope plot: \(message)\n".utf8))
        throw ExitCode(2)
    }
}

/// `--figure`: one figure kind of run files (`FigureKind`) or of a sweep file (`SweepFigureKind`),
/// or all of them.
enum FigureChoice: ExpressibleByArgument, Equatable {
    case all
    case one(FigureKind)
    case sweep(SweepFigureKind)

    init?(argument: String) {
        if argument == "all" {
            self = .all
        } else if let kind = FigureKind(rawValue: argument) {
            self = .one(kind)
        } else if let kind = SweepFigureKind(rawValue: argument) {
            self = .sweep(kind)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] {
        FigureKind.allCases.map(\.rawValue) + SweepFigureKind.allCases.map(\.rawValue) + ["all"]
    }

    var defaultValueDescription: String {
        switch self {
        case .all: "all"
        case .one(let kind): kind.rawValue
        case .sweep(let kind): kind.rawValue
        }
    }

    /// The figures of run files to draw.
    var kinds: [FigureKind] {
        switch self {
        case .all: FigureKind.allCases
        case .one(let kind): [kind]
        case .sweep: []
        }
    }

    /// The figures of a sweep file to draw.
    var sweepKinds: [SweepFigureKind] {
        switch self {
        case .all: SweepFigureKind.allCases
        case .one: []
        case .sweep(let kind): [kind]
        }
    }
}

/// Runs `body`; a damaged or hand-edited run file — a ``RunFileError``, or a Store error saying a
/// dataset or attribute is missing or of the wrong type or shape — is printed as
/// `gscope: FILE: DATASET what is wrong` and ends the command with exit status 2, as bad input
/// does. A file that cannot be opened or read stays an I/O error.
func reportingRunFileErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as RunFileError {
        FileHandle.standardError.write(Data("gscope: \(error)\n".utf8))
        throw ExitCode(2)
    } catch let error as StoreError {
        switch error {
        case .notFound, .typeMismatch, .shapeMismatch:
            FileHandle.standardError.write(Data("gscope: \(error)\n".utf8))
            throw ExitCode(2)
        default:
            throw error
        }
    }
}

extension AxisRange: ExpressibleByArgument {
    package init?(argument: String) { self.init(argument) }
}
