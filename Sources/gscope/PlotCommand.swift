import ArgumentParser
import Figures
import Foundation
import Store

struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw publication-ready gnuplot figures (PNG and PDF) from run files.",
        discussion: """
            Reads one or more run files (docs/run-file.md) and writes, per figure, NAME.png, NAME.pdf \
            and beside them NAME.dat (the numbers plotted, with a commented header per block) and \
            NAME.gp (a standalone gnuplot script: edit it and run `gnuplot NAME.gp` in --out to redraw). \
            Figures that draw one run at a time (layers, blocks, instances, weights, groups, fidelity) are \
            written as NAME-1, NAME-2, … when several runs are given. A G-effect e = <grad R, grad L> \
            is the first-order change of risk R per unit learning rate, with the sign flipped: \
            e > 0 means a step on the objective lowers R. Unlearning wants e < 0 on the forget set and \
            e >= 0 on the retain set.

            Figures:
            \(FigureKind.allCases.map { "  \($0.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

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
            """)

    @Argument(help: "Run files written by gscope unlearn.") var paths: [String]
    @Option(help: "The figure to draw, or all.") var figure: FigureChoice = .all
    @OptionGroup var output: OutputDirectoryOptions
    @Option(help: "Recorded steps the instances figure pools, comma-separated (default: three spread steps).") var steps: String?
    @Option(help: "Recorded step of the weights figure's token heat map (default: the last).") var step: Int?
    @Flag(help: "geffect: plot the running sums of the G-effects over recorded steps.") var cumulative = false
    @Option(help: "Legend name of each run, in the order of the files (repeat; default: the objective).") var label: [String] = []

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
        let runs = try reportingRunFileErrors {
            try paths.enumerated().map { index, path in
                try RunData(path: path, label: index < label.count ? label[index] : nil)
            }
        }
        let options = FigureOptions(steps: try stepList(), step: step, cumulative: cumulative)
        let kinds = figure.kinds
        let renderer = try GnuplotRenderer(outputDirectory: output.out)
        var skipped: [String] = []
        for kind in kinds {
            for outcome in FigureCatalog.build(kind, runs: runs, options: options) {
                switch outcome.result {
                case .success(let built):
                    let rendered = try renderer.render(built)
                    print("wrote \(rendered.png), \(rendered.pdf) (with \(built.name).gp, \(built.name).dat)")
                    if !rendered.warnings.isEmpty { print("  gnuplot: \(rendered.warnings)") }
                case .failure(let unavailable):
                    skipped.append("\(outcome.name): \(unavailable.reason)")
                }
            }
        }
        guard !skipped.isEmpty else { return }
        if figure != .all {
            FileHandle.standardError.write(Data(("gscope plot: cannot draw " + skipped.joined(separator: "; ") + "\n").utf8))
            throw ExitCode(2)
        }
        print("skipped:\n" + skipped.map { "  " + $0 }.joined(separator: "\n"))
    }
}

/// `--figure`: one figure kind (`FigureKind`), or all of them.
enum FigureChoice: ExpressibleByArgument, Equatable {
    case all
    case one(FigureKind)

    init?(argument: String) {
        if argument == "all" {
            self = .all
        } else if let kind = FigureKind(rawValue: argument) {
            self = .one(kind)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { FigureKind.allCases.map(\.rawValue) + ["all"] }

    var defaultValueDescription: String {
        switch self {
        case .all: "all"
        case .one(let kind): kind.rawValue
        }
    }

    /// The figures to draw.
    var kinds: [FigureKind] {
        switch self {
        case .all: FigureKind.allCases
        case .one(let kind): [kind]
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
