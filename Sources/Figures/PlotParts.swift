/// Small pieces of gnuplot text the figure builders share.
enum PlotParts {
    /// The line type (colour) of a risk set: forget in vermillion, retain in blue, the others in
    /// the remaining Okabe–Ito colours.
    static func lineType(ofRiskSet set: String, among sets: [String]) -> Int {
        if set == "forget" { return 4 }
        if set == "retain" { return 5 }
        let others = [3, 1, 2, 6, 7]
        let position = sets.filter { $0 != "forget" && $0 != "retain" }.firstIndex(of: set) ?? 0
        return others[position % others.count]
    }

    /// The legend text of a risk set: what its G-effect means for unlearning.
    static func title(ofRiskSet set: String) -> String {
        set == "forget" ? "forget (unlearning)" : "\(set) (retaining)"
    }

    /// The line type (colour) of the `index`-th run of several.
    static func lineType(ofRun index: Int) -> Int { index % GnuplotScript.palette.count + 1 }

    /// One plot clause: `datafile index I [every E] using U with W title T`.
    static func series(index: Int, every: String? = nil, using: String, with style: String, title: String?) -> String {
        "datafile index \(index) " + (every.map { "every \($0) " } ?? "") + "using \(using) with \(style) "
            + (title.map { "title \(GnuplotString.literal($0))" } ?? "notitle")
    }

    /// A heat map's clause: each row (x, y, value) of block `index` as a unit square coloured by
    /// the palette. Unlike `with image`, it also draws a grid one cell wide or high.
    static func cells(index: Int) -> String {
        series(
            index: index, using: "1:2:(0.5):(0.5):3", with: "boxxyerror fillcolor palette fillstyle solid 1.0 noborder",
            title: nil)
    }

    /// A `plot` command with one `linespoints` line (columns 1:2) per run that has a data block:
    /// `blocks[r]` is run r's block (nil: none), drawn in run r's colour and titled `titles[r]`.
    static func plotRuns(_ blocks: [Int?], titles: [String]) -> String {
        plot(
            blocks.indices.compactMap { r in
                blocks[r].map {
                    series(index: $0, using: "1:2", with: "linespoints linetype \(lineType(ofRun: r))", title: titles[r])
                }
            })
    }

    /// A `plot` command of several clauses, one per line.
    static func plot(_ clauses: [String]) -> String {
        "plot " + clauses.joined(separator: ", \\\n       ")
    }

    /// `set multiplot` with `columns` panels side by side (nothing for one panel), with an overall
    /// title.
    static func multiplot(columns: Int, rows: Int = 1, title: String) -> [String] {
        ["set multiplot layout \(rows),\(columns) title \(GnuplotString.literal(title)) font \(GnuplotString.quoted(",12"))"]
    }

    /// The x tics of a step axis: every step when the steps span at most ten, else gnuplot's.
    static func stepAxis(_ steps: [Int]) -> String {
        guard let first = steps.min(), let last = steps.max(), last - first <= 10 else { return "set xtics autofreq" }
        return "set xtics 1"
    }

    /// Explicit x tics naming recorded steps at positions 0, 1, … (for heat maps over steps),
    /// at most about eight of them.
    static func stepTics(_ steps: [Int]) -> String {
        let stride = max(1, (steps.count + 7) / 8)
        let tics = steps.enumerated().filter { $0.offset % stride == 0 || $0.offset == steps.count - 1 }
            .map { "\(GnuplotString.quoted(String($0.element))) \($0.offset)" }
        return "set xtics (" + tics.joined(separator: ", ") + ")"
    }

    /// The first `count` spread positions of `0..<total`: both ends and evenly between.
    static func spread(_ count: Int, of total: Int) -> [Int] {
        guard total > 0 else { return [] }
        guard total > count, count > 1 else { return Array(0..<total) }
        return (0..<count).map { Int((Double($0) * Double(total - 1) / Double(count - 1)).rounded()) }
    }
}
