/// The figures `gscope plot` draws from a sweep file (`sweep.h5`), with what each one shows.
///
/// Every line or cell is a setting (the runs that share every axis value except `seed`), drawn
/// at the mean of its seeds with the 95 % band mean ± t_{0.975,n−1}·s/√n (``SeedBand``).
package enum SweepFigureKind: String, CaseIterable, Sendable {
    case frontier, heatmap
    case geffectBands = "geffect-bands"

    /// One line on what the figure shows and how to read it (for `--help`).
    package var summary: String {
        switch self {
        case .frontier:
            return "Trade-off frontier, one line per setting through its evaluated steps at the seed means, 95 % bands "
                + "as x and y error bars: TOFU forget quality (log) vs model utility, or Markov forget KL (solid forget1, "
                + "dashed forget2) vs retain KL; --x/--y (or --metric) choose /eval metrics."
        case .heatmap:
            return "Heat map of a final value (--metric, any /final name) over two axes (--x, --y; default the first "
                + "two varying axes), seed means written in the cells; fix other varying axes with --where KEY=VALUE."
        case .geffectBands:
            return "G-effect totals e_forget and e_retain (two panels) vs step, one line per setting: the seed mean "
                + "with its 95 % band shaded."
        }
    }
}
