/// The choices that change what a sweep figure shows (`gscope plot SWEEP.h5 --x … --y … --metric …
/// --where …`).
package struct SweepFigureOptions: Sendable, Equatable {
    /// frontier: the /eval metric on x; heatmap: the axis key on x (nil: chosen from the file).
    package var x: String?
    /// frontier: the /eval metric on y; heatmap: the axis key on y (nil: chosen from the file).
    package var y: String?
    /// frontier: the /eval metric on y (as `y`); heatmap: the /final value shown.
    package var metric: String?
    /// heatmap: the value of each other varying axis, `key=value` (key: the axis key or its last
    /// component).
    package var filters: [String]
    /// frontier: fixed ranges of the x and y axes (nil: automatic).
    package var xRange: AxisRange?
    package var yRange: AxisRange?

    /// Options; the defaults are those of `gscope plot` without flags.
    package init(
        x: String? = nil, y: String? = nil, metric: String? = nil, filters: [String] = [], xRange: AxisRange? = nil,
        yRange: AxisRange? = nil
    ) {
        self.x = x
        self.y = y
        self.metric = metric
        self.filters = filters
        self.xRange = xRange
        self.yRange = yRange
    }
}

/// Builds the figures of a sweep file.
package enum SweepFigureCatalog {
    /// The figure of `kind` for `sweep`, named after the kind, or why it cannot be drawn.
    package static func build(_ kind: SweepFigureKind, sweep: SweepData, options: SweepFigureOptions = SweepFigureOptions())
        -> FigureCatalog.Outcome
    {
        FigureCatalog.Outcome(
            name: kind.rawValue,
            result: Result { () throws(FigureUnavailable) in
                switch kind {
                case .frontier: return try SweepFrontierFigure.build(try selected(sweep, options), options: options)
                case .heatmap: return try SweepHeatmapFigure.build(sweep, options: options)
                case .geffectBands: return try SweepGEffectFigure.build(try selected(sweep, options))
                }
            })
    }

    /// The runs that `--where key=value` selects (every run without it); an axis fixed so has one
    /// value left and drops out of the labels.
    static func selected(_ sweep: SweepData, _ options: SweepFigureOptions) throws(FigureUnavailable) -> SweepData {
        guard !options.filters.isEmpty else { return sweep }
        let fixed = try SweepHeatmapFigure.filters(sweep, options.filters, axes: [])
        let runs = sweep.runs.filter { run in fixed.allSatisfy { run.axes[$0.key] == $0.value } }
        return SweepData(path: sweep.path, axisKeys: sweep.axisKeys, runs: runs)
    }
}
