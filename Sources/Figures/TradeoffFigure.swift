/// `tradeoff`: TOFU's forget quality (log scale) against model utility at every evaluated step,
/// one curve per run, from the start (open circle) to the end (filled circle).
///
/// Forget quality is the KS-test p-value against the retain model (higher: closer to never
/// having seen the forget set); model utility summarises the retain, real-authors and world-facts
/// scores. The best runs head for the upper right.
enum TradeoffFigure {
    static func build(_ runs: [RunData]) throws(FigureUnavailable) -> Figure {
        let usable = runs.filter {
            $0.evaluation?.metrics["forget_quality"] != nil && $0.evaluation?.metrics["model_utility"] != nil
                && $0.evaluation?.steps.isEmpty == false
        }
        guard !usable.isEmpty else {
            throw FigureUnavailable(
                "no /eval/forget_quality and /eval/model_utility in \(runs.map(\.path).joined(separator: ", "))")
        }
        var table = DataTable()
        var clauses: [String] = []
        for (r, run) in usable.enumerated() {
            let evaluation = run.evaluation!
            let quality = evaluation.metrics["forget_quality"]!, utility = evaluation.metrics["model_utility"]!
            let index = table.add(
                "\(run.label) (\(run.path)): model utility and forget quality per evaluation",
                columns: ["step", "model_utility", "forget_quality"],
                rows: evaluation.steps.indices.map { [Double(evaluation.steps[$0]), utility[$0], quality[$0]] })
            let lt = PlotParts.lineType(ofRun: r), y = "($3 > 0 ? $3 : NaN)"
            clauses.append(PlotParts.series(index: index, using: "2:\(y)", with: "lines linetype \(lt)", title: run.label))
            clauses.append(
                PlotParts.series(
                    index: index, every: "::0::0", using: "2:\(y)",
                    with: "points linetype \(lt) pointtype 6 pointsize 1.2", title: nil))
            clauses.append(
                PlotParts.series(
                    index: index, every: "::\(evaluation.steps.count - 1)", using: "2:\(y)",
                    with: "points linetype \(lt) pointtype 7 pointsize 1.2", title: nil))
        }
        let body = [
            "set title \(GnuplotString.quoted("Forget quality vs model utility along the unlearning path"))",
            "set xlabel \(GnuplotString.quoted("model utility"))",
            "set ylabel \(GnuplotString.quoted("forget quality (KS-test p-value)"))",
            "set logscale y",
            "set format y \(GnuplotString.quoted("10^{%L}"))",
            GnuplotScript.keyRight,
            "set label 1 \(GnuplotString.quoted("open: first evaluation, filled: last")) at graph 0.02, graph 0.05 font \(GnuplotString.quoted(",9"))",
            PlotParts.plot(clauses),
        ]
        let name = "tradeoff"
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "forget quality vs model utility per evaluated step, one curve per run",
                width: 6.4, height: 4.2, body: body))
    }
}
