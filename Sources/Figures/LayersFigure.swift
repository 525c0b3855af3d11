/// `layers`: the G-effect of every layer group (embed, shallow, middle, deep, lm) against the
/// step, one panel for the forget set and one for the retain set.
///
/// Each curve is the part of the total G-effect contributed by that group's parameters; the curves
/// sum to the `geffect` total. Where the forget panel's most negative curve lies is where
/// unlearning happens; where the retain panel's curves go negative is where the damage is.
enum LayersFigure {
    static func build(_ run: RunData, name: String) throws(FigureUnavailable) -> Figure {
        let sets = ["forget", "retain"].filter { run.geffectGroups[$0] != nil }
        guard !sets.isEmpty, !run.groupNames.isEmpty else { throw FigureUnavailable("no /geffect/<set>/group in \(run.path)") }
        var table = DataTable()
        var body =
            PlotParts.multiplot(columns: sets.count, title: "G-effect per layer group: \(run.label)") + [
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                PlotParts.stepAxis(run.steps),
                "set ylabel \(GnuplotString.quoted(GnuplotScript.geffectLabel))",
                "set xzeroaxis linetype -1 linewidth 0.5",
                GnuplotScript.keyRight,
            ]
        for set in sets {
            let groups = run.geffectGroups[set]!
            let rows = (0..<groups.rows).map { [Double(run.steps[$0])] + Array(groups.row($0)) }
            let index = table.add("\(set): G-effect per layer group", columns: ["step"] + run.groupNames, rows: rows)
            body.append("set title \(GnuplotString.literal(PlotParts.title(ofRiskSet: set)))")
            body.append(
                PlotParts.plot(
                    run.groupNames.enumerated().map { column, group in
                        PlotParts.series(
                            index: index, using: "1:\(column + 2)", with: "linespoints linetype \(column + 1)", title: group)
                    }))
        }
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "G-effect per layer group against the step (\(run.label))",
                width: 5.2 * Double(sets.count), height: 3.6, body: body))
    }
}
