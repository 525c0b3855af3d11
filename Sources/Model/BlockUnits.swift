/// Elements of one parameter tensor in the flat buffer: `rows` runs of `width` consecutive
/// elements, the first at `offset`, each `stride` after the one before, each element counted with
/// weight `share` (1, or 1/g for a key/value head that g query heads share).
package struct ElementRun: Sendable, Equatable {
    package let offset: Int, rows: Int, stride: Int, width: Int
    package let share: Double

    /// Every element of the run, in order.
    package var elements: [Int] { (0..<rows).flatMap { r in (offset + r * stride)..<(offset + r * stride + width) } }
}

extension TensorSlot {
    /// The elements in a row of the tensor: its last dimension (1 for a vector).
    private var rowWidth: Int { shape.count >= 2 ? shape.dropFirst().reduce(1, *) : 1 }

    /// Rows `r` of a matrix (out, in), or entries `r` of a vector: one contiguous run.
    package func rows(_ r: Range<Int>, share: Double = 1) -> ElementRun {
        precondition(r.lowerBound >= 0 && r.upperBound <= shape[0], "rows \(r) outside \(name) \(shape)")
        return ElementRun(
            offset: offset + r.lowerBound * rowWidth, rows: 1, stride: 0, width: r.count * rowWidth, share: share)
    }

    /// Columns `c` of a matrix (out, in): one run of `c.count` elements in each of its rows.
    package func columns(_ c: Range<Int>, share: Double = 1) -> ElementRun {
        precondition(shape.count == 2 && c.lowerBound >= 0 && c.upperBound <= shape[1], "columns \(c) outside \(name) \(shape)")
        return ElementRun(offset: offset + c.lowerBound, rows: shape[0], stride: shape[1], width: c.count, share: share)
    }

    /// Every element.
    package var whole: ElementRun { rows(0..<shape[0]) }
}

/// The units of one transformer block that a G-effect can be split into: its attention heads,
/// its MLP's hidden units in ``mlpGroupCount`` equal groups, and the rest.
///
/// - Head h owns its rows of the query, key and value projections (and of their biases) and its
///   columns of the output projection. A key/value head shared by g query heads (grouped-query
///   attention) counts 1/g in each of them, so the heads still partition the attention's weights.
/// - MLP group k owns the hidden units `⌊k·F/8⌋ ..< ⌊(k+1)·F/8⌋` of F: their rows of the input
///   projections (GPT's `c_fc`, Llama's `gate_proj` and `up_proj`), of those projections' biases,
///   and their columns of the output projection.
/// - The rest: the block's tensors in no head and no group (norms, the output projections' biases).
///
/// Every element of the block is counted once in all (a test checks it for every architecture),
/// so for any per-element quantity the heads, the groups and the rest sum to the block's total.
package struct BlockUnits: Sendable {
    package let heads: [[ElementRun]]
    package let mlpGroups: [[ElementRun]]
    package let rest: [ElementRun]

    /// The groups an MLP's hidden units are split into.
    package static let mlpGroupCount = 8

    /// Projections whose rows are `heads` blocks of `headSize` rows from row `first`: head j's
    /// rows are `first + j·headSize ..< first + (j+1)·headSize`.
    package struct HeadRows {
        let slot: TensorSlot, first: Int
        package init(_ slot: TensorSlot, first: Int = 0) {
            self.slot = slot
            self.first = first
        }
        func rows(head j: Int, size: Int, share: Double = 1) -> ElementRun {
            slot.rows((first + j * size)..<(first + (j + 1) * size), share: share)
        }
    }

    /// Block `block` of `layout`: attention with `heads` query heads of width `headSize` on
    /// `kvHeads` key/value heads, the query projections (weight, bias) `queries`, the key and
    /// value ones `keysValues`, the output projection `output` (nil when the block has none);
    /// an MLP whose hidden units are the rows of `mlpInputs` and the columns of `mlpOutput`.
    package init(
        layout: ParameterLayout, block: Int, heads: Int, kvHeads: Int, headSize: Int, queries: [HeadRows],
        keysValues: [HeadRows], output: TensorSlot?, mlpInputs: [TensorSlot], mlpOutput: TensorSlot
    ) {
        precondition(kvHeads >= 1 && heads % kvHeads == 0, "\(heads) heads on \(kvHeads) key/value heads")
        let shared = heads / kvHeads
        self.heads = (0..<heads).map { h in
            queries.map { $0.rows(head: h, size: headSize) }
                + keysValues.map { $0.rows(head: h / shared, size: headSize, share: 1 / Double(shared)) }
                + (output.map { [$0.columns((h * headSize)..<((h + 1) * headSize))] } ?? [])
        }
        let units = mlpOutput.shape[1]
        mlpGroups = (0..<Self.mlpGroupCount).map { k in
            let r = (k * units / Self.mlpGroupCount)..<((k + 1) * units / Self.mlpGroupCount)
            return mlpInputs.map { $0.rows(r) } + [mlpOutput.columns(r)]
        }
        let used = Set(
            (queries + keysValues).map(\.slot.name) + mlpInputs.map(\.name) + [mlpOutput.name, output?.name].compactMap { $0 })
        rest = layout.slots.filter { $0.block == block && !used.contains($0.name) }.map(\.whole)
    }
}
