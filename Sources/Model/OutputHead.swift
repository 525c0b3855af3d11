import NumericCore

/// What the output head of an arena's last forward pass computed, and a scratch for its
/// backward and forward-mode passes.
package final class OutputHeadState {
    /// The runs of positions (never crossing a sequence) that have logits; nil: every position.
    var runs: [Range<Int>]?
    let scratch = GrowingScratch()
}

/// The output head `logits = x·Wᵀ [+ b]` with its log-softmax statistics, at every position or at
/// chosen runs of positions, for every architecture.
///
/// Every position (`runs == nil`): one product per sequence (`rowGroup: T`), as any other layer.
/// Chosen runs: one product per run (consecutive positions of a sequence that count in the loss),
/// so that a row's logits still do not depend on its batch.
package enum OutputHead {
    /// The runs of consecutive positions n of a (B,T) batch where `keep(n)`, cut at sequence ends.
    package static func runs(B: Int, T: Int, where keep: (Int) -> Bool) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        for b in 0..<B {
            var start: Int?
            for n in (b * T)..<((b + 1) * T) {
                if keep(n) {
                    if start == nil { start = n }
                } else if let s = start {
                    runs.append(s..<n)
                    start = nil
                }
            }
            if let s = start { runs.append(s..<((b + 1) * T)) }
        }
        return runs
    }

    /// The runs of positions that count in a loss (mask ≠ 0, which implies a target).
    static func lossRuns(mask: [Float], B: Int, T: Int) -> [Range<Int>] { runs(B: B, T: T) { mask[$0] != 0 } }

    /// The rows of `runs`, or all N rows when `runs` is nil.
    static func rows(_ runs: [Range<Int>]?, N: Int) -> [Range<Int>] { runs ?? [0..<N] }

    /// `logits = x·Wᵀ [+ b]` (N, V), then `lse` and `logp` (`LogSoftmax.forward`): at every
    /// position, or (`.loss`) at the positions that count in the loss (mask ≠ 0); records in
    /// `state` which rows were computed. Outside them the logits are NaN and `lse`, `logp` are 0.
    static func forward(
        _ scope: ForwardScope, state: OutputHeadState,
        logits: UnsafeMutablePointer<Float>, lse: UnsafeMutablePointer<Float>, logp: UnsafeMutablePointer<Float>,
        input x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        targets: UnsafePointer<Int32>, mask: [Float], B: Int, T: Int, C: Int, V: Int
    ) {
        let N = B * T
        guard scope == .loss else {
            state.runs = nil
            Linear.forward(out: logits, inp: x, weight: weight, bias: bias, N: N, T: T, C: C, OC: V)
            LogSoftmax.forward(lse: lse, logp: logp, logits: logits, targets: targets, N: N, V: V)
            return
        }
        let runs = lossRuns(mask: mask, B: B, T: T)
        state.runs = runs
        lse.update(repeating: 0, count: N)
        logp.update(repeating: 0, count: N)
        var next = 0
        for r in runs + [N..<N] {
            if next < r.lowerBound { (logits + next * V).update(repeating: .nan, count: (r.lowerBound - next) * V) }
            next = r.upperBound
            guard !r.isEmpty else { continue }
            let lo = r.lowerBound
            Linear.forward(out: logits + lo * V, inp: x + lo * C, weight: weight, bias: bias, N: r.count, C: C, OC: V)
            LogSoftmax.forward(lse: lse + lo, logp: logp + lo, logits: logits + lo * V, targets: targets + lo, N: r.count, V: V)
        }
    }

    /// Given `dlogits` (N, V): `dinput = dlogits·W` (overwritten, 0 outside the computed rows),
    /// `dweight += dlogitsᵀ·x`, `dbias += dlogitsᵀ·1` (nil without a bias), over the rows the
    /// forward pass computed (`state.runs`), whose gradient must be 0 elsewhere (a precondition:
    /// there are no logits there to have a gradient). `ones`: N floats of 1 for the bias.
    static func backward(
        state: OutputHeadState,
        dinput: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>?,
        dlogits: UnsafePointer<Float>, input x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        ones: UnsafePointer<Float>?, B: Int, T: Int, C: Int, V: Int
    ) {
        let N = B * T
        guard let runs = state.runs else {
            Linear.backward(
                dinp: dinput, dweight: dweight, dbias: dbias, dout: dlogits, inp: x, weight: weight, ones: ones,
                N: N, T: T, C: C, OC: V)
            return
        }
        requireNoGradient(dlogits, outside: runs, N: N, V: V)
        dinput.update(repeating: 0, count: N * C)
        for r in runs {
            let lo = r.lowerBound
            BLAS.gemm(m: r.count, n: C, k: V, dlogits + lo * V, lda: V, weight, ldb: C, beta: 0, dinput + lo * C, ldc: C)
        }
        // The weight's gradient from the computed rows only, gathered into one product.
        Linear.parameterGradients(
            of: runs, dweight: dweight, dbias: dbias, dout: dlogits, inp: x, ones: ones, scratch: state.scratch, C: C,
            OC: V)
    }

    /// Stops unless the logit gradient `dlogits` (N, V) is 0 at every position outside `runs`
    /// (nil: every position has logits): a gradient where the forward pass computed no logits.
    static func requireNoGradient(_ dlogits: UnsafePointer<Float>, outside runs: [Range<Int>]?, N: Int, V: Int) {
        guard let runs else { return }
        precondition(
            outside(runs, N: N).allSatisfy { Reduce.dot(dlogits + $0 * V, dlogits + $0 * V, count: V) == 0 },
            "a logit gradient at a position whose logits the forward pass did not compute")
    }

    /// The positions of 0..<N outside `runs` (sorted, disjoint).
    package static func outside(_ runs: [Range<Int>], N: Int) -> [Int] {
        var out: [Int] = [], next = 0
        for r in runs + [N..<N] {
            out.append(contentsOf: next..<r.lowerBound)
            next = r.upperBound
        }
        return out
    }
}
