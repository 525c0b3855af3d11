/// `frontier`: the trade-off frontier of a sweep. For every setting (the runs that share every
/// axis value except `seed`), one line through its evaluated steps at the seed means of a forget
/// metric (y) against a retain or utility metric (x), with each mean's 95 % seed band as x and
/// y error bars (at every k-th evaluation, `barStride`, so that a line carries at most
/// `maximumBarsPerLine` of them); open circle at the first evaluation, filled at the last.
///
/// The axes follow the runs' `/eval` metrics: TOFU runs draw forget quality (log scale; up is
/// better) against model utility (right is better); Markov runs draw the forget KL (solid
/// forget1, dashed forget2; up is better) against the retain KL (left is better). `--x`, `--y`
/// (or `--metric`) name other metrics; `--xrange` and `--yrange` fix the axes' ranges (a paper's
/// figure's, say).
enum SweepFrontierFigure {
    /// The most error bars drawn on one line: more hide the lines they belong to.
    static let maximumBarsPerLine = 10

    /// Bars go at every `barStride(rows)`-th evaluation, from the first: ⌈rows / maximumBarsPerLine⌉.
    static func barStride(_ rows: Int) -> Int { max(1, (rows + maximumBarsPerLine - 1) / maximumBarsPerLine) }

    /// The metrics on the axes and how to label them.
    struct Axes: Equatable {
        let x: String
        let ys: [String]
        let title: String

        /// Whether the y axis is logarithmic (forget quality, a p-value spanning decades).
        var logY: Bool { ys == ["forget_quality"] }
    }

    static func build(_ sweep: SweepData, options: SweepFigureOptions) throws(FigureUnavailable) -> Figure {
        let axes = try chooseAxes(sweep, options: options)
        if axes.logY, let low = options.yRange?.low, low <= 0 {
            throw FigureUnavailable(
                "--yrange must start above 0 on the logarithmic forget-quality axis, not at \(GnuplotScript.format(low))")
        }
        let metrics = [axes.x] + axes.ys
        var table = DataTable()
        var clauses: [String] = []
        var plottedY: [Double] = []
        for (s, setting) in sweep.settings.enumerated() {
            let rows = sweep.bandsOverSteps(
                of: setting, steps: \.evalSteps, series: metrics.map { metric in { $0.eval[metric] } }
            ).filter { row in row.bands.contains { $0.count > 0 } }
            guard !rows.isEmpty else { continue }
            let index = table.add(
                "\(setting.label): seed mean and 95 % band of \(metrics.joined(separator: ", ")) per evaluated step "
                    + "(\(setting.runs.count) runs)",
                columns: ["step", "seeds"] + metrics.flatMap { ["\($0)_mean", "\($0)_lower", "\($0)_upper"] },
                rows: rows.map { row in
                    [Double(row.step), Double(row.bands.map(\.count).max() ?? 0)] + row.bands.flatMap(\.columns)
                })
            plottedY += rows.flatMap { row in row.bands.dropFirst().flatMap(\.columns) }
            let lt = PlotParts.lineType(ofRun: s)
            for (j, metric) in axes.ys.enumerated() {
                let column = 6 + 3 * j
                let y = axes.logY ? "($\(column) > 0 ? $\(column) : NaN)" : "\(column)"
                let title = axes.ys.count > 1 ? "\(setting.label): \(shortMetric(metric))" : setting.label
                clauses.append(
                    PlotParts.series(
                        index: index, using: "3:\(y)", with: "lines linetype \(lt) dashtype \(j + 1)", title: title))
                clauses.append(
                    PlotParts.series(
                        index: index, every: "\(barStride(rows.count))",
                        using: "3:\(y):4:5:\(bound(column + 1, axes)):\(bound(column + 2, axes))",
                        with: "xyerrorbars linetype \(lt) pointsize 0", title: nil))
                clauses.append(
                    PlotParts.series(
                        index: index, every: "::0::0", using: "3:\(y)",
                        with: "points linetype \(lt) pointtype 6 pointsize 1.2", title: nil))
                clauses.append(
                    PlotParts.series(
                        index: index, every: "::\(rows.count - 1)", using: "3:\(y)",
                        with: "points linetype \(lt) pointtype 7 pointsize 1.2", title: nil))
            }
        }
        guard !clauses.isEmpty else {
            throw FigureUnavailable(
                "no finished run of \(sweep.path) has evaluations of \(metrics.joined(separator: " and "))")
        }
        var body = [
            "set title \(GnuplotString.literal(axes.title))",
            "set xlabel \(GnuplotString.literal(label(of: axes.x)))",
            "set ylabel \(GnuplotString.literal(label(of: axes.ys[0])))",
            GnuplotScript.keyRight,
            "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05",
            "set format x \(GnuplotString.quoted("%.3g"))",
            "set xtics rotate by 30 right",
            "set bars 0",   // no caps: a band of zero width (all seeds alike, as at step 0) draws nothing over the circle
            // In the right margin under the key, where no curve is drawn.
            "set label 1 \(GnuplotString.quoted("bars: 95 % seed bands (at most \(maximumBarsPerLine) per line)")) "
                + "at graph 1.04, graph 0.08 left font \(GnuplotString.quoted(",9"))",
            "set label 2 \(GnuplotString.quoted("open: first evaluation, filled: last")) "
                + "at graph 1.04, graph 0.02 left font \(GnuplotString.quoted(",9"))",
        ]
        if let range = options.xRange { body.append("set xrange \(range.gnuplot)") }
        if let range = options.yRange { body.append("set yrange \(range.gnuplot)") }
        if axes.logY {
            // A band reaching zero or below is cut at a tenth of the smallest positive value drawn.
            let floor = (plottedY.filter { $0.isFinite && $0 > 0 }.min() ?? 1) / 10
            body += [
                "set logscale y", "set format y \(GnuplotString.quoted("10^{%L}"))", "logfloor = \(GnuplotScript.format(floor))",
            ]
        }
        body.append(PlotParts.plot(clauses))
        let name = SweepFigureKind.frontier.rawValue
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name,
                description: "\(axes.ys.joined(separator: ", ")) vs \(axes.x) per evaluated step, one line per setting, "
                    + "seed means with 95 % bands",
                width: 7.2, height: 4.6, body: body))
    }

    /// The `using` expression of an error-bar bound in `column`: on a log axis, a bound at or below
    /// zero moves to `logfloor` (a missing bound stays missing).
    static func bound(_ column: Int, _ axes: Axes) -> String {
        axes.logY ? "($\(column) > 0 ? $\(column) : $\(column) == $\(column) ? logfloor : NaN)" : "\(column)"
    }

    /// The axes from `--x`, `--y`/`--metric`, else from the metrics the runs evaluated.
    static func chooseAxes(_ sweep: SweepData, options: SweepFigureOptions) throws(FigureUnavailable) -> Axes {
        let available = sweep.evalMetrics
        if let y = options.y, let metric = options.metric, y != metric {
            throw FigureUnavailable("--y \(y) and --metric \(metric) both name the frontier's y metric")
        }
        let tofu = ["forget_quality", "model_utility"].allSatisfy(available.contains)
        let markov = ["kl_retain", "kl_forget1"].allSatisfy(available.contains)
        let defaults: Axes? =
            tofu
            ? Axes(x: "model_utility", ys: ["forget_quality"], title: "Forget quality vs model utility over the sweep")
            : markov
                ? Axes(
                    x: "kl_retain", ys: ["kl_forget1"] + (available.contains("kl_forget2") ? ["kl_forget2"] : []),
                    title: "Forget vs retain KL over the sweep")
                : nil
        let chosenY = options.y ?? options.metric
        guard let x = options.x ?? defaults?.x, let ys = chosenY.map({ [$0] }) ?? defaults?.ys else {
            throw FigureUnavailable(
                "no /eval/forget_quality and model_utility, nor kl_retain and kl_forget1, in \(sweep.path); "
                    + "name the axes with --x and --y (its /eval metrics: \(SweepData.list(available)))")
        }
        for metric in [x] + ys where !available.contains(metric) {
            throw FigureUnavailable("no /eval/\(metric) in \(sweep.path) (its /eval metrics: \(SweepData.list(available)))")
        }
        if options.x == nil && chosenY == nil, let defaults { return defaults }
        return Axes(x: x, ys: ys, title: "\(ys[0]) vs \(x) over the sweep")
    }

    /// How an axis names a metric.
    static func label(of metric: String) -> String {
        switch metric {
        case "forget_quality": return "forget quality (KS-test p-value)"
        case "model_utility": return "model utility"
        case "kl_retain": return "retain KL(true ‖ model) (nats/token)"
        case _ where metric.hasPrefix("kl_forget"): return "forget KL(true ‖ model) (nats/token)"
        default: return metric
        }
    }

    /// A metric in a legend beside the setting: `forget1` for `kl_forget1`.
    static func shortMetric(_ metric: String) -> String {
        metric.hasPrefix("kl_") ? String(metric.dropFirst(3)) : metric
    }
}
