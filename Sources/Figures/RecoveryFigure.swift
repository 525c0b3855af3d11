/// `recovery`: relearning runs (`gscope relearn`) on the same axes, one colour per attacked
/// objective (the root attribute `relearned_objective`, else the label): the answer NLL of the
/// whole forget split (`/risk/<relearn_risk_set>/value`) against the relearning step and, when the
/// runs evaluated, TOFU's `forget_Q_A_Prob` against the step.
///
/// A curve that falls back fast to the NLL before unlearning is forgetting that a few steps of
/// fine-tuning on a few forget items undo, on items the attack never saw as well.
enum RecoveryFigure {
    static func build(_ runs: [RunData]) throws(FigureUnavailable) -> Figure {
        let attacks = runs.filter { run in run.relearnRiskSet.map { run.risk[$0] != nil } ?? false }
        guard !attacks.isEmpty else {
            throw FigureUnavailable("no relearning run among the files (gscope relearn writes the attribute relearn_risk_set)")
        }
        var table = DataTable()
        var nll: [Int?] = [], probability: [Int?] = []
        for run in attacks {
            let set = run.relearnRiskSet!, values = run.risk[set]!
            nll.append(
                table.add(
                    "\(run.relearnedLabel) (\(run.path)): answer NLL of \(set)", columns: ["step", "nll"],
                    rows: run.steps.indices.map { [Double(run.steps[$0]), values[$0]] }))
            probability.append(
                run.evaluation.flatMap { e in
                    e.metrics["forget_Q_A_Prob"].map { p in
                        table.add(
                            "\(run.relearnedLabel) (\(run.path)): forget_Q_A_Prob", columns: ["step", "probability"],
                            rows: e.steps.indices.map { [Double(e.steps[$0]), p[$0]] })
                    }
                })
        }
        let panels = probability.contains { $0 != nil } ? 2 : 1
        var body =
            PlotParts.multiplot(columns: panels, title: "Relearning: how fast the forgetting is undone") + [
                "set xlabel \(GnuplotString.quoted("relearning step"))",
                PlotParts.stepAxis(attacks.flatMap(\.steps)),
                GnuplotScript.keyRight,
                "set title \(GnuplotString.quoted("answer NLL of the whole forget split"))",
                "set ylabel \(GnuplotString.quoted("nats per answer token"))",
                PlotParts.plotRuns(nll, titles: attacks.map(\.relearnedLabel)),
            ]
        if panels == 2 {
            body += [
                "set title \(GnuplotString.quoted("probability of the forget answers (TOFU's forget Q-A Prob)"))",
                "set ylabel \(GnuplotString.quoted("probability of the answer"))",
                PlotParts.plotRuns(probability, titles: attacks.map(\.relearnedLabel)),
            ]
        }
        let name = "recovery"
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "forget-split NLL of relearning runs against the step",
                width: 5.6 * Double(panels), height: 3.8, body: body))
    }
}
