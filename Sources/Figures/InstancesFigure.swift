/// `instances`: every forget instance's unlearning PG-effect (on the forget risk) against its
/// retaining PG-effect (on the retain risk), pooled over a few recorded steps, coloured by the
/// quartile band of the objective's instance weight.
///
/// A PG-effect is ⟨∇R, ∇log p(s_i)⟩; pushing log p(s_i) down by a step η changes R by about
/// −η times it. So a negative x value means forgetting the instance raises the forget risk (what
/// unlearning wants), and a negative y value means it raises the retain risk too. Points in the
/// lower-left quadrant are instances whose forgetting costs the retain set; a weighting that puts
/// them in the low bands protects it.
enum InstancesFigure {
    /// The recorded-step positions to pool: those of `requested` that were recorded, or three
    /// spread positions.
    static func positions(_ run: RunData, requested: [Int]?) throws(FigureUnavailable) -> [Int] {
        guard let requested else { return PlotParts.spread(3, of: run.steps.count) }
        let found = requested.compactMap { run.steps.firstIndex(of: $0) }
        guard !found.isEmpty else {
            throw FigureUnavailable(
                "none of the steps \(requested.map(String.init).joined(separator: ",")) is recorded in \(run.path) (recorded: \(run.steps.map(String.init).joined(separator: ",")))"
            )
        }
        return found
    }

    static func build(_ run: RunData, name: String, steps requested: [Int]?) throws(FigureUnavailable) -> Figure {
        guard let forget = run.pgeffectInstance["forget"], let retain = run.pgeffectInstance["retain"] else {
            throw FigureUnavailable(
                "no /pgeffect/forget/instance and /pgeffect/retain/instance in \(run.path) (paper-mode runs have none)")
        }
        let positions = try positions(run, requested: requested)
        let weights = run.instanceWeights
        let pooledWeights = positions.flatMap { k in weights.map { Array($0.row(k)) } ?? [] }
        let cuts = [0.25, 0.5, 0.75].map { Quantiles.of(pooledWeights, $0) }
        let weighted = cuts.allSatisfy(\.isFinite)
        var bands: [[[Double]]] = Array(repeating: [], count: weighted ? 4 : 1)
        for k in positions {
            for i in 0..<forget.columns {
                let w = weights?[k, i] ?? .nan
                let band = weighted && w.isFinite ? cuts.filter { w > $0 }.count : 0
                bands[band].append([Double(run.steps[k]), Double(i), forget[k, i], retain[k, i], w])
            }
        }
        var table = DataTable()
        var clauses: [String] = []
        let minimum = Quantiles.of(pooledWeights, 0), maximum = Quantiles.of(pooledWeights, 1)
        let edges = [minimum] + cuts + [maximum]
        for (band, rows) in bands.enumerated() where !rows.isEmpty {
            let title =
                weighted
                ? "Q\(band + 1): \(short(edges[band]))–\(short(edges[band + 1]))"
                : "no instance weights"
            let index = table.add(title, columns: ["step", "instance", "pg_forget", "pg_retain", "instance_weight"], rows: rows)
            clauses.append(
                PlotParts.series(
                    index: index, using: "3:4",
                    with: "points linetype \(weighted ? [5, 2, 1, 4][band] : 5) pointtype 7 pointsize 0.6",
                    title: title))
        }
        let pooled = positions.map { String(run.steps[$0]) }.joined(separator: ", ")
        let body = [
            "set title \(GnuplotString.literal("Per-instance PG-effects: \(run.label) (steps \(pooled))"))",
            "set xlabel \(GnuplotString.quoted("unlearning PG-effect ⟨∇R_{forget}, ∇log p(s_i)⟩"))",
            "set ylabel \(GnuplotString.quoted("retaining PG-effect ⟨∇R_{retain}, ∇log p(s_i)⟩"))",
            "set xzeroaxis linetype -1 linewidth 0.5",
            "set yzeroaxis linetype -1 linewidth 0.5",
            "set key outside right top vertical title \(GnuplotString.quoted("instance weight"))",
            PlotParts.plot(clauses),
        ]
        return Figure(
            name: name, data: table.text,
            script: GnuplotScript.make(
                name: name, description: "per-instance unlearning vs retaining PG-effect, by instance-weight band (\(run.label))",
                width: 7.5, height: 4.2, body: body))
    }

    /// A weight for a legend: four significant digits.
    static func short(_ value: Double) -> String { String(format: "%.3g", value) }
}
