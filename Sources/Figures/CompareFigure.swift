/// `compare`: several runs on the same axes, the forget set's G-effect total in one panel and the
/// retain set's in the other, one colour per run (legend: `--label`, the objective or the file).
///
/// Read the forget panel for how strongly each objective unlearns (more negative: stronger) and
/// the retain panel for what it costs (below zero: damage).
enum CompareFigure {
    static func build(_ runs: [RunData]) throws(FigureUnavailable) -> Figure {
        guard runs.count >= 2 else { throw FigureUnavailable("compare needs at least two run files") }
        let sets = ["forget", "retain"].filter { set in runs.contains { $0.geffectTotal[set] != nil } }
        guard !sets.isEmpty else { throw FigureUnavailable("no /geffect/forget/total or /geffect/retain/total in the run files") }
        var table = DataTable()
        var indices: [[Int?]] = []
        for run in runs {
            indices.append(
                sets.map { set -> Int? in
                    guard let values = run.geffectTotal[set] else { return nil }
                    return table.add(
                        "\(run.label) (\(run.path)): \(set) G-effect total", columns: ["step", "geffect"],
                        rows: run.steps.indices.map { [Double(run.steps[$0]), values[$0]] })
                })
        }
        var body =
            PlotParts.multiplot(columns: sets.count, title: "G-effects compared") + [
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                PlotParts.stepAxis(runs.flatMap(\.steps)),
                "set ylabel \(GnuplotString.quoted(GnuplotScript.geffectLabel))",
                "set xzeroaxis linetype -1 linewidth 0.5",
                GnuplotScript.keyRight,
            ]
        for (column, set) in sets.enumerated() {
            body.append("set title \(GnuplotString.literal(PlotParts.title(ofRiskSet: set)))")
            body.append(PlotParts.plotRuns(indices.map { $0[column] }, titles: runs.map(\.label)))
        }
        let name = "compare"
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "forget and retain G-effect totals of several runs",
                width: 5.6 * Double(sets.count), height: 3.8, body: body))
    }
}
