/// `blocks`: heat maps of the G-effect per transformer block (rows) and recorded step (columns),
/// for the forget set and the retain set.
///
/// Colours are centred on zero: vermillion is positive, blue negative, white none. A forget map
/// blue in some blocks shows where unlearning acts; a retain map blue there shows collateral damage.
enum BlocksFigure {
    static func build(_ run: RunData, name: String) throws(FigureUnavailable) -> Figure {
        let sets = ["forget", "retain"].filter { run.geffectBlocks[$0] != nil }
        guard let first = sets.first.flatMap({ run.geffectBlocks[$0] }) else {
            throw FigureUnavailable("no /geffect/<set>/block in \(run.path)")
        }
        guard first.columns >= 2, first.rows >= 2 else {
            throw FigureUnavailable(
                "a heat map needs at least 2 blocks and 2 recorded steps; \(run.path) has \(first.columns) and \(first.rows)")
        }
        var table = DataTable()
        var body =
            PlotParts.multiplot(columns: sets.count, title: "G-effect per transformer block: \(run.label)") + [
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                "set ylabel \(GnuplotString.quoted("transformer block"))",
                "set cblabel \(GnuplotString.quoted(GnuplotScript.geffectLabel))",
                PlotParts.stepTics(run.steps),
                "set ytics 1",
                "set xrange [-0.5:\(first.rows) - 0.5]",
                "set yrange [-0.5:\(first.columns) - 0.5]",
                "set tics front",
                "set grid noxtics noytics",
                "set colorbox",
            ]
        for set in sets {
            let blocks = run.geffectBlocks[set]!
            var rows: [[Double]] = []
            for k in 0..<blocks.rows {
                for block in 0..<blocks.columns {
                    rows.append([Double(k), Double(block), Double(run.steps[k]), blocks[k, block]])
                }
            }
            let index = table.add(
                "\(set): G-effect per block (step position, block, step, G-effect)",
                columns: ["position", "block", "step", "geffect"], rows: rows, scanLength: blocks.columns)
            body.append("set title \(GnuplotString.literal(PlotParts.title(ofRiskSet: set)))")
            body += GnuplotScript.colourScale(blocks.values)
            body.append(PlotParts.plot([PlotParts.series(index: index, using: "1:2:4", with: "image", title: nil)]))
        }
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "heat map of the G-effect per block and step (\(run.label))",
                width: 4.6 * Double(sets.count), height: 3.6, body: body))
    }
}
