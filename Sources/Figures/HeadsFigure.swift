/// `heads`: the G-effect per attention head (`/geffect/<set>/head`), for the forget and the retain
/// set: top, a heat map transformer block × head at one recorded step (`--step`, default the last);
/// bottom, every head (block by block) against the recorded steps.
///
/// Colours are centred on zero (blue negative, vermillion positive). A forget map with a few
/// strongly blue heads says unlearning acts through them; blue in the same cells of the retain map
/// says those heads also carry the damage.
enum HeadsFigure {
    static func build(_ run: RunData, name: String, step requested: Int?) throws(FigureUnavailable) -> Figure {
        let sets = ["forget", "retain"].filter { run.geffectHeads[$0]?.isEmpty == false }
        guard let first = sets.first.flatMap({ run.geffectHeads[$0] }) else {
            throw FigureUnavailable("no /geffect/<set>/head in \(run.path) (older run files do not record heads)")
        }
        let position = try run.recordedPosition(of: requested)
        let (blocks, heads) = (first[0].rows, first[0].columns)
        var table = DataTable()
        var body = PlotParts.multiplot(columns: sets.count, rows: 2, title: "G-effect per attention head: \(run.label)")
        for set in sets {
            let maps = run.geffectHeads[set]!, map = maps[position]
            var rows: [[Double]] = []
            for head in 0..<heads { for block in 0..<blocks { rows.append([Double(head), Double(block), map[block, head]]) } }
            let index = table.add(
                "\(set): G-effect per head at step \(run.steps[position]) (head, block, G-effect)",
                columns: ["head", "block", "geffect"], rows: rows, scanLength: blocks)
            body += [
                "set title \(GnuplotString.literal("\(PlotParts.title(ofRiskSet: set)), step \(run.steps[position])"))",
                "set xlabel \(GnuplotString.quoted("attention head"))",
                "set ylabel \(GnuplotString.quoted("transformer block"))",
                "set cblabel \(GnuplotString.quoted(GnuplotScript.geffectLabel))",
                "set xtics 1", "set ytics 1",
                "set xrange [-0.5:\(heads) - 0.5]", "set yrange [-0.5:\(blocks) - 0.5]",
                "set tics front", "set grid noxtics noytics", "set colorbox",
            ]
            body += GnuplotScript.colourScale(map.values)
            body.append(PlotParts.plot([PlotParts.cells(index: index)]))
        }
        for set in sets {
            let maps = run.geffectHeads[set]!
            var rows: [[Double]] = []
            for unit in 0..<(blocks * heads) {
                for k in maps.indices { rows.append([Double(k), Double(unit), maps[k][unit / heads, unit % heads]]) }
            }
            let index = table.add(
                "\(set): G-effect per head and step (step position, block·heads + head, G-effect)",
                columns: ["position", "head", "geffect"], rows: rows, scanLength: maps.count)
            let blockTics = (0..<blocks).map { "\(GnuplotString.quoted("block \($0)")) \($0 * heads)" }
            body += [
                "set title \(GnuplotString.literal("\(PlotParts.title(ofRiskSet: set)) over the run"))",
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                "set ylabel \(GnuplotString.quoted("head (grouped by block)"))",
                PlotParts.stepTics(run.steps),
                "set ytics (" + blockTics.joined(separator: ", ") + ")",
                "set xrange [-0.5:\(maps.count) - 0.5]", "set yrange [-0.5:\(blocks * heads) - 0.5]",
            ]
            body += GnuplotScript.colourScale(maps.flatMap(\.values))
            body.append(PlotParts.plot([PlotParts.cells(index: index)]))
        }
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "heat maps of the G-effect per attention head (\(run.label))",
                width: 4.8 * Double(sets.count), height: 7.2, body: body))
    }
}
