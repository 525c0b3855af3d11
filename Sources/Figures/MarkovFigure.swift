/// `markov`: the mixture-of-Markov-chains simulations. For every evaluated step, the KL from the
/// true next-token rows to the model on the forget groups (y) against the retain group (x): solid
/// = forget1, dashed = forget2, one colour per run. Squares mark the retrained (retain-only)
/// model, diamonds the Bayes-optimal original; filled for forget1, open for forget2.
///
/// Unlearning should move a curve up (forget KL grows towards the retrained model's) while
/// keeping it left (retain KL stays near the Bayes-optimal value).
enum MarkovFigure {
    static let groups = ["retain", "forget1", "forget2"]

    static func build(_ runs: [RunData]) throws(FigureUnavailable) -> Figure {
        let usable = runs.filter { run in
            run.evaluation?.steps.isEmpty == false && groups.allSatisfy { run.evaluation?.metrics["kl_\($0)"] != nil }
        }
        guard !usable.isEmpty else {
            throw FigureUnavailable(
                "no /eval/kl_retain, kl_forget1 and kl_forget2 in \(runs.map(\.path).joined(separator: ", "))")
        }
        var table = DataTable()
        var clauses: [String] = []
        for (r, run) in usable.enumerated() {
            let evaluation = run.evaluation!
            let kl = groups.map { evaluation.metrics["kl_\($0)"]! }
            let index = table.add(
                "\(run.label) (\(run.path)): KL per evaluated step (nats)",
                columns: ["step", "kl_retain", "kl_forget1", "kl_forget2"],
                rows: evaluation.steps.indices.map { k in [Double(evaluation.steps[k])] + kl.map { $0[k] } })
            let lt = PlotParts.lineType(ofRun: r)
            clauses.append(
                PlotParts.series(
                    index: index, using: "2:3", with: "linespoints linetype \(lt) dashtype 1 pointtype 7 pointsize 0.6",
                    title: "\(run.label): forget1"))
            clauses.append(
                PlotParts.series(
                    index: index, using: "2:4", with: "linespoints linetype \(lt) dashtype 2 pointtype 6 pointsize 0.6",
                    title: "\(run.label): forget2"))
        }
        let references = usable.compactMap { run -> [Double]? in
            let a = run.evaluation!.attributes
            let values = ["retrained", "bayes"].flatMap { kind in groups.map { a["\(kind)_kl_\($0)"] } }
            return values.allSatisfy { $0 != nil } ? values.map { $0! } : nil
        }
        if !references.isEmpty {
            let index = table.add(
                "reference models per run: retrained and Bayes-optimal KL (nats)",
                columns: groups.map { "retrained_kl_\($0)" } + groups.map { "bayes_kl_\($0)" }, rows: references)
            let black = "linecolor rgb \(GnuplotString.quoted("#000000")) pointsize 1.5"
            clauses += [
                PlotParts.series(index: index, using: "1:2", with: "points pointtype 5 \(black)", title: "retrained: forget1"),
                PlotParts.series(index: index, using: "1:3", with: "points pointtype 4 \(black)", title: "retrained: forget2"),
                PlotParts.series(
                    index: index, using: "4:5", with: "points pointtype 13 \(black)", title: "Bayes-optimal: forget1"),
                PlotParts.series(
                    index: index, using: "4:6", with: "points pointtype 12 \(black)", title: "Bayes-optimal: forget2"),
            ]
        }
        let body = [
            "set title \(GnuplotString.quoted("Forget vs retain KL along the unlearning path"))",
            "set xlabel \(GnuplotString.quoted("retain KL(true ‖ model) (nats/token)"))",
            "set ylabel \(GnuplotString.quoted("forget KL(true ‖ model) (nats/token)"))",
            GnuplotScript.keyRight,
            "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05",
            "set xrange [0:*]",   // a KL is never negative
            "set yrange [0:*]",
            PlotParts.plot(clauses),
        ]
        let name = "markov"
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name,
                description: "forget KL vs retain KL per evaluated step, with the retrained and Bayes-optimal references",
                width: 7, height: 4.4, body: body))
    }
}
