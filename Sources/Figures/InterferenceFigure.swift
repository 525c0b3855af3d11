/// `interference`: heat maps of the forget × set interference `I[i, j] = ⟨∇ℓ_j, ∇(γ·L_i)⟩`
/// (`/interference/<set>/instance`) at one measured step (`--step`, default the last): forget
/// instances down, the set's items across, one panel per set, lines between authors (Markov:
/// chains) where the file names them.
///
/// Colours are centred on zero: blue is damage (a step on forget instance i raises item j's risk),
/// vermillion help. A blue block on the diagonal of the forget panel is an author's questions
/// unlearned together; a blue column in the retain panel is a retained fact every forget instance
/// damages.
enum InterferenceFigure {
    static func build(_ run: RunData, name: String, step requested: Int?) throws(FigureUnavailable) -> Figure {
        let names = run.interference.keys.sorted()
        let sets =
            names.filter { $0 == "forget" } + names.filter { $0 == "retain" } + names.filter { $0 != "forget" && $0 != "retain" }
        guard !sets.isEmpty, !run.interferenceSteps.isEmpty else {
            throw FigureUnavailable("no /interference in \(run.path) (set run.interference_every to measure it)")
        }
        let position: Int
        if let requested {
            guard let k = run.interferenceSteps.firstIndex(of: requested) else {
                throw FigureUnavailable(
                    "step \(requested) has no interference in \(run.path) (measured at: "
                        + run.interferenceSteps.map(String.init).joined(separator: ",") + ")")
            }
            position = k
        } else {
            position = run.interferenceSteps.count - 1
        }
        let step = run.interferenceSteps[position]
        var table = DataTable()
        var body = PlotParts.multiplot(columns: sets.count, title: "Forget x set interference at step \(step): \(run.label)")
        for set in sets {
            let map = run.interference[set]![position]
            var rows: [[Double]] = []
            for i in 0..<map.rows { for j in 0..<map.columns { rows.append([Double(j), Double(i), map[i, j]]) } }
            let index = table.add(
                "\(set): I[i, j] at step \(step) (item j, forget instance i, interference)",
                columns: ["item", "instance", "interference"], rows: rows, scanLength: map.columns)
            body += [
                "set title \(GnuplotString.literal("forget instance x \(set) item"))",
                "set xlabel \(GnuplotString.literal("\(set) item" + groupNote(run.itemGroups[set], count: map.columns)))",
                "set ylabel \(GnuplotString.literal("forget instance" + groupNote(run.itemGroups["forget"], count: map.rows)))",
                "set cblabel \(GnuplotString.quoted("interference (nats^2)"))",
                "set xtics autofreq", "set ytics autofreq",
                "set xrange [-0.5:\(map.columns) - 0.5]", "set yrange [-0.5:\(map.rows) - 0.5]",
                "set tics front", "set grid noxtics noytics", "set colorbox", "unset arrow",
            ]
            for x in boundaries(run.itemGroups[set], count: map.columns) {
                body.append("set arrow from \(x) - 0.5, graph 0 to \(x) - 0.5, graph 1 nohead front linewidth 0.5")
            }
            for y in boundaries(run.itemGroups["forget"], count: map.rows) {
                body.append("set arrow from graph 0, first \(y) - 0.5 to graph 1, first \(y) - 0.5 nohead front linewidth 0.5")
            }
            body += GnuplotScript.colourScale(map.values)
            body.append(
                PlotParts.plot([PlotParts.cells(index: index)]))
        }
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "heat maps of the forget x set interference at step \(step) (\(run.label))",
                width: 5.2 * Double(sets.count), height: 4.4, body: body))
    }

    /// The positions where an item's group differs from the one before (none without groups, or
    /// with more than 60 of them: lines would hide the cells).
    static func boundaries(_ groups: [String]?, count: Int) -> [Int] {
        guard let groups, groups.count == count else { return [] }
        let starts = (1..<max(count, 1)).filter { groups[$0] != groups[$0 - 1] }
        return starts.count <= 60 ? starts : []
    }

    /// ", lines between authors" when the items' groups are known.
    static func groupNote(_ groups: [String]?, count: Int) -> String {
        guard let groups, groups.count == count, !boundaries(groups, count: count).isEmpty else { return "" }
        return groups.first?.hasPrefix("author") == true ? " (lines between authors)" : " (lines between chains)"
    }
}
