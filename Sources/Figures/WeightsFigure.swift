/// `weights`: the objective's instance weights over the run (min, 10 %, 50 %, 90 %, max across
/// forget instances, against the step) and, beside them, a heat map of the token weights
/// (instance × position) at one recorded step.
///
/// A widening band means the objective treats instances more and more differently (NPO's weights
/// fall for instances already forgotten); the heat map shows which answer tokens carry the
/// gradient. Positions after the last non-zero weight are cut off.
enum WeightsFigure {
    static func build(_ run: RunData, name: String, step requested: Int?) throws(FigureUnavailable) -> Figure {
        var table = DataTable()
        var panels: [[String]] = []
        if let weights = run.instanceWeights, weights.values.contains(where: \.isFinite) {
            let rows = (0..<weights.rows).map { k in
                [Double(run.steps[k])] + [0, 0.1, 0.5, 0.9, 1].map { Quantiles.of(weights.row(k), $0) }
            }
            let index = table.add(
                "instance-weight quantiles across forget instances",
                columns: ["step", "min", "q10", "q50", "q90", "max"], rows: rows)
            let finite = weights.values.filter(\.isFinite)
            let (lowest, highest) = (finite.min()!, finite.max()!)
            let pad = highest > lowest ? 0.05 * (highest - lowest) : max(0.1 * abs(lowest), 1e-3)
            panels.append([
                "set title \(GnuplotString.quoted("Instance weights"))",
                "set yrange [\(GnuplotScript.format(lowest - pad)):\(GnuplotScript.format(highest + pad))]",
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                PlotParts.stepAxis(run.steps),
                "set ylabel \(GnuplotString.quoted("instance weight"))",
                GnuplotScript.keyRight,
                "set style fill transparent solid 0.25 noborder",
                PlotParts.plot([
                    PlotParts.series(
                        index: index, using: "1:2:6", with: "filledcurves linecolor rgb \(GnuplotString.quoted("#56B4E9"))",
                        title: "min–max"),
                    PlotParts.series(
                        index: index, using: "1:3:5", with: "filledcurves linecolor rgb \(GnuplotString.quoted("#0072B2"))",
                        title: "10–90 %"),
                    PlotParts.series(index: index, using: "1:4", with: "linespoints linetype 5", title: "median"),
                ]),
            ])
        }
        let position = try run.recordedPosition(of: requested)
        if position >= 0, position < run.tokenWeights.count {
            let tokens = run.tokenWeights[position]
            let used = (0..<tokens.columns).filter { t in
                (0..<tokens.rows).contains { tokens[$0, t] != 0 && tokens[$0, t].isFinite }
            }
            if let first = used.first, let last = used.last, tokens.rows >= 2, last > first {
                var rows: [[Double]] = []
                for i in 0..<tokens.rows {
                    for t in first...last { rows.append([Double(t), Double(i), tokens[i, t]]) }
                }
                let index = table.add(
                    "token weights at step \(run.steps[position]) (position, instance, weight)",
                    columns: ["position", "instance", "weight"], rows: rows, scanLength: last - first + 1)
                panels.append(
                    [
                        "set title \(GnuplotString.quoted("Token weights at step \(run.steps[position])"))",
                        "set xlabel \(GnuplotString.quoted("position in the sequence"))",
                        "set ylabel \(GnuplotString.quoted("forget instance"))",
                        "set cblabel \(GnuplotString.quoted("token weight"))",
                        "set style fill solid 1.0 noborder",
                        "set xtics autofreq",
                        "set xrange [\(first) - 0.5:\(last) + 0.5]",
                        "set yrange [-0.5:\(tokens.rows) - 0.5]",
                        "set grid noxtics noytics",
                        "set tics front",
                        "unset key",
                    ] + GnuplotScript.colourScale(rows.map { $0[2] }) + [
                        PlotParts.plot([PlotParts.series(index: index, using: "1:2:3", with: "image", title: nil)])
                    ])
            }
        }
        guard !panels.isEmpty else {
            throw FigureUnavailable("the objective in \(run.path) has neither instance weights nor token weights")
        }
        let body =
            PlotParts.multiplot(columns: panels.count, title: "Objective weights: \(run.label)")
            + panels.flatMap { $0 }
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name,
                description: "instance-weight quantiles against the step and token weights at one step (\(run.label))",
                width: 5.2 * Double(panels.count), height: 3.8, body: body))
    }
}
