import Model
import NumericCore

/// `⟨r, g⟩` restricted to each attention head, MLP unit group and the rest of every transformer
/// block (``BlockUnits``): for a unit with element runs U,
///
///     e_unit = Σ_{run ∈ U} share_run · Σ_{i ∈ run} r_i·g_i
///
/// in Float64. With r = ∇R and g = ∇L it splits the block's G-effect; the heads, the groups and
/// the rest of a block sum to its total.
package struct UnitProducts: Sendable, Equatable {
    /// (L, H), row-major: block l's head h at `l·H + h`.
    package var head: [Double]
    /// (L, 8), row-major.
    package var mlpGroup: [Double]
    /// (L): the block's norms and output biases.
    package var rest: [Double]

    /// `⟨r, g⟩` over each unit of `units`; r and g are whole parameter buffers.
    package init(_ r: UnsafePointer<Float>, _ g: UnsafePointer<Float>, units: [BlockUnits]) {
        func product(_ runs: [ElementRun]) -> Double {
            var sum = 0.0
            for run in runs {
                var s = 0.0
                for k in 0..<run.rows {
                    let o = run.offset + k * run.stride
                    s += Reduce.dot(r + o, g + o, count: run.width)
                }
                sum += run.share * s
            }
            return sum
        }
        head = units.flatMap { $0.heads.map(product) }
        mlpGroup = units.flatMap { $0.mlpGroups.map(product) }
        rest = units.map { product($0.rest) }
    }

    private init(head: [Double], mlpGroup: [Double], rest: [Double]) {
        self.head = head
        self.mlpGroup = mlpGroup
        self.rest = rest
    }

    /// The split of `⟨r, g + g'⟩` from those of `⟨r, g⟩` and `⟨r, g'⟩`.
    package static func + (a: UnitProducts, b: UnitProducts) -> UnitProducts {
        UnitProducts(
            head: zip(a.head, b.head).map(+), mlpGroup: zip(a.mlpGroup, b.mlpGroup).map(+), rest: zip(a.rest, b.rest).map(+))
    }
}
