/// The choices that change what a figure shows.
package struct FigureOptions: Sendable, Equatable {
    /// The recorded steps `instances` pools (nil: three spread steps).
    package var steps: [Int]?
    /// The recorded step of the `weights` token heat map, the `heads` block × head map and the
    /// `interference` maps (nil: the last).
    package var step: Int?
    /// Whether `geffect` plots running sums over recorded steps.
    package var cumulative: Bool

    /// Options; the defaults are those of `gscope plot` without flags.
    package init(steps: [Int]? = nil, step: Int? = nil, cumulative: Bool = false) {
        self.steps = steps
        self.step = step
        self.cumulative = cumulative
    }
}

/// Builds figures of a kind from run files: one figure, or one per run for the per-run kinds.
package enum FigureCatalog {
    /// What building one figure gave: the figure, or why it could not be drawn.
    package struct Outcome: Sendable {
        /// The figure's file stem (`layers`, or `layers-2` for the second of several runs).
        package let name: String
        /// The figure, or the reason it is missing.
        package let result: Result<Figure, FigureUnavailable>
    }

    /// The figures of `kind` for `runs`. Per-run kinds give one outcome per run, named
    /// `KIND-1`, `KIND-2`, … when there are several runs.
    package static func build(_ kind: FigureKind, runs: [RunData], options: FigureOptions = FigureOptions()) -> [Outcome] {
        guard kind.isPerRun else {
            return [
                Outcome(
                    name: kind.rawValue,
                    result: Result { () throws(FigureUnavailable) in try buildShared(kind, runs: runs, options: options) })
            ]
        }
        return runs.enumerated().map { index, run in
            let name = runs.count == 1 ? kind.rawValue : "\(kind.rawValue)-\(index + 1)"
            return Outcome(
                name: name,
                result: Result { () throws(FigureUnavailable) in
                    try buildPerRun(kind, run: run, name: name, options: options)
                })
        }
    }

    private static func buildShared(_ kind: FigureKind, runs: [RunData], options: FigureOptions) throws(FigureUnavailable)
        -> Figure
    {
        switch kind {
        case .geffect: return try GEffectFigure.build(runs, cumulative: options.cumulative)
        case .compare: return try CompareFigure.build(runs)
        case .tradeoff: return try TradeoffFigure.build(runs)
        case .markov: return try MarkovFigure.build(runs)
        case .recovery: return try RecoveryFigure.build(runs)
        case .layers, .blocks, .heads, .interference, .instances, .weights, .groups, .fidelity:
            preconditionFailure("\(kind) is drawn per run")
        }
    }

    private static func buildPerRun(_ kind: FigureKind, run: RunData, name: String, options: FigureOptions)
        throws(FigureUnavailable) -> Figure
    {
        switch kind {
        case .layers: return try LayersFigure.build(run, name: name)
        case .blocks: return try BlocksFigure.build(run, name: name)
        case .heads: return try HeadsFigure.build(run, name: name, step: options.step)
        case .interference: return try InterferenceFigure.build(run, name: name, step: options.step)
        case .instances: return try InstancesFigure.build(run, name: name, steps: options.steps)
        case .weights: return try WeightsFigure.build(run, name: name, step: options.step)
        case .groups: return try GroupsFigure.build(run, name: name)
        case .fidelity: return try FidelityFigure.build(run, name: name)
        case .geffect, .compare, .tradeoff, .markov, .recovery:
            preconditionFailure("\(kind) draws all runs together")
        }
    }
}
