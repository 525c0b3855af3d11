import NumericCore

/// The weights an unlearning run may change (WAGLE's and the sparsity papers' restricted update):
/// `keep[i]` is 1 for a weight the update changes, 0 for one it leaves at its starting value.
///
/// The update is restricted exactly: after clipping (on the whole gradient, as WAGLE's code
/// clips before masking) the gradient of every frozen weight is set to 0, so the optimiser's
/// moments there stay 0; after the optimiser's step every frozen weight is put back to its
/// starting value, which also undoes AdamW's decoupled weight decay on it (WAGLE's code lets
/// that decay shrink frozen weights; here they do not move at all).
package final class UpdateMask {
    /// 1: updated; 0: frozen. One entry per parameter.
    package let keep: [UInt8]
    /// θ at the start, read for the frozen weights only.
    private let start: FloatBuffer

    /// A mask over `parameters` (their current values are the frozen weights' values).
    package init(keep: [UInt8], parameters: FloatBuffer) {
        precondition(keep.count == parameters.count, "one mask entry per parameter")
        self.keep = keep
        start = FloatBuffer(count: parameters.count)
        start.base.update(from: parameters.base, count: parameters.count)
    }

    /// The number of weights the update changes.
    package var keptCount: Int { keep.reduce(0) { $0 + Int($1) } }

    /// Sets the frozen entries of a parameter-space vector (a gradient, a direction) to 0:
    /// `v ← keep ⊙ v`.
    package func restrict(_ v: FloatBuffer) {
        precondition(v.count == keep.count)
        let p = v.base
        keep.withUnsafeBufferPointer { k in
            Parallel.forRanges(k.count, grain: 65_536) { r in for i in r where k[i] == 0 { p[i] = 0 } }
        }
    }

    /// Puts every frozen weight back to its starting value.
    func restoreFrozen(_ parameters: FloatBuffer) {
        precondition(parameters.count == keep.count)
        let p = parameters.base, s = start.base
        keep.withUnsafeBufferPointer { k in
            Parallel.forRanges(k.count, grain: 65_536) { r in for i in r where k[i] == 0 { p[i] = s[i] } }
        }
    }
}
