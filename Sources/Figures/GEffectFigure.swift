/// `geffect`: every risk set's G-effect total against the step, one panel per run.
///
/// The forget set's curve is the unlearning G-effect (negative: a step on the objective raises the
/// forget risk, as unlearning wants); the retain set's and the other sets' curves are retaining
/// G-effects (negative: the step damages that set). With `cumulative`, each curve is the running
/// sum over recorded steps instead.
enum GEffectFigure {
    static func build(_ runs: [RunData], cumulative: Bool) throws(FigureUnavailable) -> Figure {
        let usable = runs.filter { !$0.geffectTotal.isEmpty && !$0.steps.isEmpty }
        guard !usable.isEmpty else {
            throw FigureUnavailable("no /geffect/<set>/total in \(runs.map(\.path).joined(separator: ", "))")
        }
        var table = DataTable()
        var body =
            usable.count > 1
            ? PlotParts.multiplot(columns: usable.count, title: cumulative ? "Cumulative G-effects" : "G-effects")
            : []
        body += [
            "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
            PlotParts.stepAxis(usable.flatMap(\.steps)),
            "set ylabel \(GnuplotString.quoted((cumulative ? "cumulative " : "") + GnuplotScript.geffectLabel))",
            "set xzeroaxis linetype -1 linewidth 0.5",
            GnuplotScript.keyRight,
        ]
        for run in usable {
            let sets = run.riskSets.filter { run.geffectTotal[$0] != nil }
            let columns = sets.map { set in
                let values = run.geffectTotal[set]!
                return cumulative ? runningSum(values) : values
            }
            let rows = run.steps.indices.map { k in [Double(run.steps[k])] + columns.map { $0[k] } }
            let index = table.add(
                "\(run.label): \(cumulative ? "cumulative " : "")G-effect totals (\(run.path))",
                columns: ["step"] + sets, rows: rows)
            body.append("set title \(GnuplotString.literal(run.label))")
            body.append(
                PlotParts.plot(
                    sets.enumerated().map { column, set in
                        PlotParts.series(
                            index: index, using: "1:\(column + 2)",
                            with: "linespoints linetype \(PlotParts.lineType(ofRiskSet: set, among: sets))",
                            title: PlotParts.title(ofRiskSet: set))
                    }))
        }
        let name = "geffect"
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "G-effect totals per risk set against the step",
                width: 6.0 * Double(usable.count), height: 3.6, body: body))
    }

    /// The running sums of `values` (NaN stays NaN and adds nothing).
    static func runningSum(_ values: [Double]) -> [Double] {
        var sum = 0.0
        return values.map { value in
            guard value.isFinite else { return .nan }
            sum += value
            return sum
        }
    }
}
