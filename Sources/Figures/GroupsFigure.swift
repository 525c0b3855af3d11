/// `groups`: for data whose forget instances come in groups (Markov's forget1 and forget2), the
/// unlearning and retaining G-effect each group's instances contribute, and each group's median
/// instance weight, against the step.
///
/// The forget term's G-effect is a sum over instances (`/geffect/<set>/instance`), so the group
/// curves of a risk set add up to the forget term's G-effect on it. This is where SimNPO's two
/// mechanisms show: with NPO's summed sequence loss the long sequences carry the update and the
/// short ones (experiment A's forget2) little of it; NPO's weights start at 1 for every sequence,
/// also those the model never learned (experiment B's forget2).
enum GroupsFigure {
    static func build(_ run: RunData, name: String) throws(FigureUnavailable) -> Figure {
        guard let labels = run.forgetGroups else {
            throw FigureUnavailable("no /data/forget/group in \(run.path) (only Markov runs have groups)")
        }
        let groups = labels.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.sorted()
        let members = groups.map { g in labels.indices.filter { labels[$0] == g } }
        let sets = ["forget", "retain"].filter { run.geffectInstance[$0] != nil }
        let weights = run.instanceWeights.flatMap { $0.values.contains(where: \.isFinite) ? $0 : nil }
        guard !sets.isEmpty || weights != nil else {
            throw FigureUnavailable("no /geffect/<set>/instance and no /weights/instance in \(run.path)")
        }
        var table = DataTable()
        var panels: [[String]] = []
        if !sets.isEmpty {
            let columns = ["step"] + sets.flatMap { set in groups.map { "\(set)_\($0)" } }
            let rows = run.steps.indices.map { k in
                [Double(run.steps[k])]
                    + sets.flatMap { set in
                        members.map { m in m.reduce(0.0) { $0 + run.geffectInstance[set]![k, $1] } }
                    }
            }
            let index = table.add(
                "the forget term's G-effect on each risk set, summed over each group's instances",
                columns: columns, rows: rows)
            var plotted: [String] = []
            for (s, set) in sets.enumerated() {
                for (g, group) in groups.enumerated() {
                    let column = 2 + s * groups.count + g
                    plotted.append(
                        PlotParts.series(
                            index: index, using: "1:\(column)",
                            with: "linespoints linetype \(g + 1) dashtype \(s + 1)",
                            title: "\(group) → \(set == "forget" ? "e_forget" : "e_retain")"))
                }
            }
            panels.append([
                "set title \(GnuplotString.quoted("G-effect by forget group"))",
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                PlotParts.stepAxis(run.steps),
                "set ylabel \(GnuplotString.quoted(GnuplotScript.geffectLabel))",
                "set xzeroaxis linetype -1 linewidth 0.5",
                GnuplotScript.keyRight,
                PlotParts.plot(plotted),
            ])
        }
        if let weights {
            let rows = (0..<weights.rows).map { k in
                [Double(run.steps[k])] + members.map { m in Quantiles.of(m.map { weights[k, $0] }, 0.5) }
            }
            let index = table.add("median instance weight of each group", columns: ["step"] + groups, rows: rows)
            panels.append([
                "set title \(GnuplotString.quoted("Median instance weight by forget group"))",
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                PlotParts.stepAxis(run.steps),
                "set ylabel \(GnuplotString.quoted("instance weight"))",
                "unset xzeroaxis",
                GnuplotScript.keyRight,
                PlotParts.plot(
                    groups.enumerated().map { g, group in
                        PlotParts.series(index: index, using: "1:\(g + 2)", with: "linespoints linetype \(g + 1)", title: group)
                    }),
            ])
        }
        let body = PlotParts.multiplot(columns: panels.count, title: "Forget groups: \(run.label)") + panels.flatMap { $0 }
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "G-effect and median instance weight per forget group against the step (\(run.label))",
                width: 5.4 * Double(panels.count), height: 3.8, body: body))
    }
}
