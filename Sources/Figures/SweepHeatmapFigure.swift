/// `heatmap`: a final value (`/final/<metric>`) over two axes of a sweep. Each cell is a setting,
/// coloured by the mean over its seeds, which it also shows as text; an empty cell is a
/// combination the sweep did not run (or whose runs did not finish). The other axes that vary
/// must be fixed (`--where key=value`), so every cell is one setting.
///
/// Colours follow the house heat maps: white to vermillion from zero when no mean is negative,
/// else blue (negative), white (zero), vermillion (positive).
enum SweepHeatmapFigure {
    /// The final values tried, in order, when `--metric` is not given.
    static let preferredMetrics = ["forget_quality", "kl_forget1", "forget_nll_after"]

    static func build(_ sweep: SweepData, options: SweepFigureOptions) throws(FigureUnavailable) -> Figure {
        let finals = sweep.finalNames
        guard let metric = options.metric ?? preferredMetrics.first(where: finals.contains) ?? finals.first else {
            throw FigureUnavailable("no /final values in \(sweep.path)")
        }
        guard finals.contains(metric) else {
            throw FigureUnavailable("no /final/\(metric) in \(sweep.path) (its /final values: \(SweepData.list(finals)))")
        }
        let (x, y) = try chooseAxes(sweep, options: options)
        let fixed = try filters(sweep, options.filters, axes: [x, y])
        let loose = sweep.varyingAxes.filter { $0 != x && $0 != y && fixed[$0] == nil }
        guard loose.isEmpty else {
            throw FigureUnavailable(
                "the heat map over \(x) and \(y) needs the other varying axes fixed with --where KEY=VALUE: "
                    + loose.map { "\($0) (\(sweep.levels[$0]!.joined(separator: ", ")))" }.joined(separator: "; "))
        }
        let columns = sweep.levels[x] ?? [], rows = sweep.levels[y] ?? []
        var cells = [SeedBand?](repeating: nil, count: columns.count * rows.count)
        for setting in sweep.settings where fixed.allSatisfy({ setting.axes[$0.key] == $0.value }) {
            guard let column = columns.firstIndex(of: setting.axes[x] ?? ""), let row = rows.firstIndex(of: setting.axes[y] ?? "")
            else { continue }
            cells[row * columns.count + column] = SeedBand(setting.runs.map { sweep.runs[$0].final[metric] ?? .nan })
        }
        let means = cells.map { $0?.mean ?? .nan }
        guard means.contains(where: \.isFinite) else {
            throw FigureUnavailable("no finished run of \(sweep.path) has a finite /final/\(metric) in these cells")
        }
        var table = DataTable()
        let index = table.add(
            "\(metric) over \(x) (column) and \(y) (row): seed mean, 95 % band, seeds"
                + (fixed.isEmpty ? "" : "; " + describe(fixed, sweep)),
            columns: ["x_position", "y_position", "mean", "lower", "upper", "seeds"],
            rows: rows.indices.flatMap { r in
                columns.indices.map { c in
                    let band = cells[r * columns.count + c]
                    return [Double(c), Double(r)] + (band?.columns ?? [.nan, .nan, .nan]) + [Double(band?.count ?? 0)]
                }
            })
        let subtitle = fixed.isEmpty ? "" : " (\(describe(fixed, sweep)))"
        let rotate = (columns.map(\.count).max() ?? 0) > 6 ? " rotate by 30 right" : ""
        let body =
            [
                "set title \(GnuplotString.literal("\(metric): mean over seeds\(subtitle)"))",
                "set xlabel \(GnuplotString.literal(x))",
                "set ylabel \(GnuplotString.literal(y))",
                "set cblabel \(GnuplotString.literal(metric))",
                tics("x", columns) + rotate,
                tics("y", rows),
                "set xrange [-0.5:\(columns.count) - 0.5]",
                "set yrange [-0.5:\(rows.count) - 0.5]",
                "set tics front",
                "set grid noxtics noytics",
                "set style fill solid 1.0 noborder",
                "set colorbox",
            ] + GnuplotScript.colourScale(means) + [
                PlotParts.plot([
                    PlotParts.series(
                        index: index, using: "1:2:(0.5):(0.5):3", with: "boxxyerror linecolor palette", title: nil),
                    PlotParts.series(
                        index: index,
                        using: "1:2:(valid(3) ? sprintf(\(GnuplotString.quoted("%.3g")), $3) : \(GnuplotString.quoted("")))",
                        with: "labels font \(GnuplotString.quoted(",10"))", title: nil),
                ])
            ]
        let name = SweepFigureKind.heatmap.rawValue
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "heat map of the seed mean of \(metric) over \(x) and \(y)",
                width: max(4.8, 1.2 + 0.9 * Double(columns.count)), height: max(3.6, 1.4 + 0.6 * Double(rows.count)),
                body: body))
    }

    /// The x and y axis keys: `--x` and `--y`, else the first two varying non-seed axes (the
    /// first two non-seed axes when fewer vary).
    static func chooseAxes(_ sweep: SweepData, options: SweepFigureOptions) throws(FigureUnavailable) -> (String, String) {
        var chosen: [String?] = [nil, nil]
        if let name = options.x { chosen[0] = try axis(sweep, name, flag: "--x") }
        if let name = options.y { chosen[1] = try axis(sweep, name, flag: "--y") }
        var candidates = sweep.varyingAxes.count >= 2 ? sweep.varyingAxes : sweep.settingAxes
        candidates.removeAll { chosen.contains($0) }
        let x = chosen[0] ?? candidates.first, y = chosen[1] ?? candidates.dropFirst(chosen[0] == nil ? 1 : 0).first
        guard let x, let y else {
            throw FigureUnavailable(
                "a heat map needs two axes besides seed; \(sweep.path) has \(SweepData.list(sweep.settingAxes))")
        }
        guard x != y else { throw FigureUnavailable("--x and --y both name \(x)") }
        return (x, y)
    }

    /// The axis key `name` stands for; seed is averaged over, so it is no heat-map axis.
    static func axis(_ sweep: SweepData, _ name: String, flag: String) throws(FigureUnavailable) -> String {
        guard let key = sweep.axisKey(named: name) else {
            throw FigureUnavailable(
                "\(flag) \(name): no such axis in \(sweep.path) (its axes: \(SweepData.list(sweep.axisKeys)))")
        }
        guard key != SweepData.seedAxis else { throw FigureUnavailable("\(flag) seed: the seeds are averaged in every cell") }
        return key
    }

    /// The `--where key=value` filters as axis key → level.
    static func filters(_ sweep: SweepData, _ texts: [String], axes: [String]) throws(FigureUnavailable) -> [String: String] {
        var fixed: [String: String] = [:]
        for text in texts {
            guard let equals = text.firstIndex(of: "=") else {
                throw FigureUnavailable("--where \(text): expected KEY=VALUE")
            }
            let key = try axis(sweep, String(text[..<equals]), flag: "--where")
            let value = String(text[text.index(after: equals)...]), levels = sweep.levels[key] ?? []
            guard !axes.contains(key) else { throw FigureUnavailable("--where \(text): \(key) is an axis of the heat map") }
            guard levels.contains(value) else {
                throw FigureUnavailable("--where \(text): \(key) takes the values \(SweepData.list(levels))")
            }
            fixed[key] = value
        }
        return fixed
    }

    /// Explicit tics naming each level at positions 0, 1, … of axis `axis` ("x" or "y").
    static func tics(_ axis: String, _ levels: [String]) -> String {
        "set \(axis)tics ("
            + levels.enumerated().map { "\(GnuplotString.literal($0.element)) \($0.offset)" }
            .joined(separator: ", ") + ")"
    }

    /// `key=value, …` of the fixed axes, in sweep order.
    static func describe(_ fixed: [String: String], _ sweep: SweepData) -> String {
        sweep.axisKeys.compactMap { key in fixed[key].map { sweep.labelPart(key, $0) } }.joined(separator: ", ")
    }
}
