/// `geffect-bands`: the G-effect totals of a sweep against the step, e_forget and e_retain in two
/// panels, one line per setting at the mean of its seeds, with the 95 % seed band shaded.
///
/// As in `geffect`: e_forget below zero means the objective's steps unlearn the forget set;
/// e_retain below zero means they damage the retain set. A band that stays clear of zero is a
/// sign that does not depend on the seed.
enum SweepGEffectFigure {
    static func build(_ sweep: SweepData) throws(FigureUnavailable) -> Figure {
        let sets = ["forget", "retain"].filter(sweep.geffectSets.contains)
        guard !sets.isEmpty else {
            throw FigureUnavailable("no /geffect/forget/total or /geffect/retain/total in \(sweep.path)")
        }
        var table = DataTable()
        var panels: [[String]] = []
        var steps: [Int] = []
        for set in sets {
            var clauses: [String] = []
            for (s, setting) in sweep.settings.enumerated() {
                let rows = sweep.bandsOverSteps(of: setting, steps: \.steps, series: [{ $0.geffectTotal[set] }])
                    .filter { $0.bands[0].count > 0 }
                guard !rows.isEmpty else { continue }
                steps += rows.map(\.step)
                let index = table.add(
                    "\(setting.label): e_\(set) seed mean and 95 % band per recorded step (\(setting.runs.count) runs)",
                    columns: ["step", "seeds", "mean", "lower", "upper"],
                    rows: rows.map { [Double($0.step), Double($0.bands[0].count)] + $0.bands[0].columns })
                let style = "linetype \(PlotParts.lineType(ofRun: s))"
                clauses.append(
                    PlotParts.series(
                        index: index, using: "1:4:5", with: "filledcurves \(style) fillstyle transparent solid 0.2 noborder",
                        title: nil))
                clauses.append(
                    PlotParts.series(
                        index: index, using: "1:3", with: "lines \(style) dashtype \(s / GnuplotScript.palette.count + 1)",
                        title: setting.label))
            }
            guard !clauses.isEmpty else { continue }
            panels.append([
                "set title \(GnuplotString.quoted("e_{\(set)}: \(set == "forget" ? "unlearning" : "retaining")"))",
                "set ylabel \(GnuplotString.quoted(GnuplotScript.geffectLabel))",
                PlotParts.plot(clauses),
            ])
        }
        guard !panels.isEmpty else {
            throw FigureUnavailable("no finished run of \(sweep.path) has a finite G-effect total")
        }
        let body =
            PlotParts.multiplot(columns: panels.count, title: "G-effects over the sweep: seed means with 95 % bands") + [
                "set xlabel \(GnuplotString.quoted(GnuplotScript.stepLabel))",
                PlotParts.stepAxis(steps),
                "set xzeroaxis linetype -1 linewidth 0.5",
                GnuplotScript.keyRight,
            ] + panels.flatMap { $0 }
        let name = SweepFigureKind.geffectBands.rawValue
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "G-effect totals per setting against the step, seed means with 95 % bands",
                width: 6.4 * Double(panels.count), height: 4.0, body: body))
    }
}
