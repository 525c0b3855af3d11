/// `fidelity`: how well the G-effect predicts what a step really does. For every pair of
/// consecutive recorded steps t < t′ and every risk set, the realised change R(θ_t′) − R(θ_t)
/// (x) against the first-order prediction −η·e_t (filled marks) and, where recorded, the
/// update-effect prediction −η·u_t (open marks); η is the summed learning rate of the updates
/// between the two steps (`/train/lr`).
///
/// Points on the dashed y = x line are predicted exactly. −η·u uses the optimiser's real update,
/// so it departs from −η·e by what the optimiser (momentum, Adam's scaling, clipping, the batch)
/// changes; it is exact only when t′ = t + 1.
enum FidelityFigure {
    static func build(_ run: RunData, name: String) throws(FigureUnavailable) -> Figure {
        guard run.steps.count >= 2 else { throw FigureUnavailable("\(run.path) has fewer than 2 recorded steps") }
        let rates = (0..<(run.steps.count - 1)).map { run.learningRateSum(fromRecordedIndex: $0) }
        guard rates.allSatisfy({ $0 != nil }) else {
            throw FigureUnavailable("/train/lr lacks updates between the recorded steps of \(run.path)")
        }
        let sets = run.riskSets.filter { run.geffectTotal[$0] != nil && run.risk[$0] != nil }
        guard !sets.isEmpty else { throw FigureUnavailable("no /risk/<set>/value with /geffect/<set>/total in \(run.path)") }
        var table = DataTable()
        var clauses: [String] = []
        var extent = 0.0
        for set in sets {
            let realised = run.realisedRiskChange(set)
            let e = run.geffectTotal[set]!, u = run.updateEffect[set]
            let rows = realised.indices.map { k -> [Double] in
                let eta = rates[k]!
                return [
                    Double(run.steps[k]), Double(run.steps[k + 1]), eta, realised[k], -eta * e[k], u.map { -eta * $0[k] } ?? .nan,
                ]
            }
            extent = max(extent, rows.flatMap { $0[3...] }.filter(\.isFinite).map(abs).max() ?? 0)
            let index = table.add(
                "\(set): realised and predicted risk change between recorded steps",
                columns: ["step", "next_step", "eta", "realised_dR", "pred_geffect", "pred_update"], rows: rows)
            let lt = PlotParts.lineType(ofRiskSet: set, among: sets)
            clauses.append(
                PlotParts.series(
                    index: index, using: "4:5", with: "points linetype \(lt) pointtype 7 pointsize 1.1",
                    title: "\(set): −η·e"))
            if u != nil {
                clauses.append(
                    PlotParts.series(
                        index: index, using: "4:6", with: "points linetype \(lt) pointtype 6 pointsize 1.6",
                        title: "\(set): −η·u"))
            }
        }
        let bound = GnuplotScript.format(extent > 0 ? extent * 1.08 : 1)
        let body = [
            "set title \(GnuplotString.literal("First-order prediction vs realised risk change: \(run.label)"))",
            "set xlabel \(GnuplotString.quoted("realised change R(θ_{t′}) − R(θ_t) (nats/token)"))",
            "set ylabel \(GnuplotString.quoted("predicted change (nats/token)"))",
            "set xrange [-\(bound):\(bound)]",
            "set yrange [-\(bound):\(bound)]",
            "set size ratio -1",
            "set xzeroaxis linetype -1 linewidth 0.5",
            "set yzeroaxis linetype -1 linewidth 0.5",
            GnuplotScript.keyRight,
            PlotParts.plot(
                clauses + [
                    "x with lines linecolor rgb \(GnuplotString.quoted("#000000")) dashtype 2 linewidth 1 title \(GnuplotString.quoted("y = x"))"
                ]),
        ]
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "predicted (−η·e, −η·u) vs realised risk change between recorded steps (\(run.label))",
                width: 6.4, height: 4.4, body: body))
    }
}
