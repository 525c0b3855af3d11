/// Where a parameter tensor sits in the model, coarsely: the layer groups of the G-effect paper.
///
/// Transformer blocks are split in thirds (`shallow`, `middle`, `deep`); the final norm counts as
/// `deep`, as in the paper's public code. A token embedding shared with the output head is its own
/// group, `tied`.
package enum LayerGroup: String, CaseIterable, Codable, Sendable {
    case embed, shallow, middle, deep, lm, tied

    /// The group of transformer block `block` out of `nLayer`: `⌊3·block / nLayer⌋` picks the
    /// third. For 32 blocks this gives 11 shallow, 11 middle and 10 deep blocks, the paper's split
    /// (its Fig. 2: layers 1–11, 12–22, 23–33 counting the final norm); for 4 blocks, 2/1/1.
    package static func ofBlock(_ block: Int, nLayer: Int) -> LayerGroup {
        precondition(block >= 0 && block < nLayer, "block \(block) outside 0..<\(nLayer)")
        return [.shallow, .middle, .deep][3 * block / nLayer]
    }
}

/// One named tensor inside the flat parameter buffer.
package struct TensorSlot: Equatable, Sendable {
    /// Hugging-Face-style name, e.g. `h.3.attn.c_attn.weight`.
    package let name: String
    /// Row-major shape; Linear weights are `(out_features, in_features)` as in `torch.nn.Linear`.
    package let shape: [Int]
    /// First element in the flat buffer.
    package let offset: Int
    /// Transformer block index, nil for embeddings, the final norm and the head.
    package let block: Int?
    package let group: LayerGroup

    package var count: Int { shape.reduce(1, *) }
    package var range: Range<Int> { offset..<(offset + count) }
    /// Matrices get weight decay; vectors (biases, norm gains) do not.
    package var isMatrix: Bool { shape.count >= 2 }
}

/// The table of slots of a model: every parameter tensor, in buffer order, back to back.
package struct ParameterLayout: Sendable {
    package private(set) var slots: [TensorSlot] = []
    package private(set) var count = 0
    private var index: [String: Int] = [:]

    package init() {}

    /// Appends a tensor after the last one and returns its slot.
    @discardableResult
    package mutating func add(_ name: String, _ shape: [Int], block: Int?, group: LayerGroup) -> TensorSlot {
        precondition(index[name] == nil, "duplicate parameter \(name)")
        let slot = TensorSlot(name: name, shape: shape, offset: count, block: block, group: group)
        index[name] = slots.count
        slots.append(slot)
        count += slot.count
        return slot
    }

    package subscript(name: String) -> TensorSlot? { index[name].map { slots[$0] } }

    /// Number of transformer blocks the slots refer to.
    package var blockCount: Int { (slots.compactMap(\.block).max() ?? -1) + 1 }
}
