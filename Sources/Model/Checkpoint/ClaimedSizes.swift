/// A count computed with overflow-checked arithmetic: once a sum or product does not fit in an
/// `Int` the value is nil and stays nil, so sizes read from a file can be combined freely and
/// checked once at the end, with no trap on the way.
package struct CheckedCount: Equatable, Sendable, ExpressibleByIntegerLiteral {
    /// The count, or nil when a step overflowed.
    package let value: Int?

    package init(_ value: Int?) { self.value = value }
    package init(integerLiteral value: Int) { self.value = value }

    package static func + (a: CheckedCount, b: CheckedCount) -> CheckedCount {
        guard let x = a.value, let y = b.value else { return nil }
        let (sum, overflow) = x.addingReportingOverflow(y)
        return CheckedCount(overflow ? nil : sum)
    }

    package static func * (a: CheckedCount, b: CheckedCount) -> CheckedCount {
        guard let x = a.value, let y = b.value else { return nil }
        let (product, overflow) = x.multipliedReportingOverflow(by: y)
        return CheckedCount(overflow ? nil : product)
    }
}

extension CheckedCount: ExpressibleByNilLiteral {
    package init(nilLiteral: ()) { self.value = nil }
}

/// What a model configuration claims about the weights, in the words of the file it came from
/// (`config.json` or GGUF metadata), to be checked against the weights file before any layout or
/// buffer exists: a configuration that claims 10⁹ layers or a width of 2³¹ is refused at once,
/// naming the file and the key, instead of hanging, trapping or failing to allocate.
package struct ClaimedSizes: Sendable {
    /// The file the sizes come from (for messages).
    package var file: String
    /// The sizes that are a dimension of some parameter tensor, under their keys in `file`, e.g.
    /// `("n_embd", 128)`: none can exceed the number of weights the file holds.
    package var dimensions: [(key: String, value: Int)]
    /// The key giving the number of blocks, and its value.
    package var layers: (key: String, value: Int)
    /// Parameter tensors per block, and outside the blocks.
    package var tensorsPerBlock: Int
    package var tensorsOutsideBlocks: Int
    /// The number of parameters the sizes make (overflow-checked).
    package var parameterCount: CheckedCount

    package init(
        file: String, dimensions: [(key: String, value: Int)], layers: (key: String, value: Int),
        tensorsPerBlock: Int, tensorsOutsideBlocks: Int, parameterCount: CheckedCount
    ) {
        self.file = file
        self.dimensions = dimensions
        self.layers = layers
        self.tensorsPerBlock = tensorsPerBlock
        self.tensorsOutsideBlocks = tensorsOutsideBlocks
        self.parameterCount = parameterCount
    }

    /// The number of parameter tensors the sizes make (overflow-checked).
    package var tensorCount: CheckedCount {
        CheckedCount(tensorsOutsideBlocks) + CheckedCount(tensorsPerBlock) * CheckedCount(layers.value)
    }

    /// Throws a `ModelError` naming `file` and the key when a size is absurd for `weights`: a
    /// dimension larger than all its `elements`, or more blocks than it has `tensors` (each block
    /// needs several). Sizes that are not positive are left to the configuration's own `validate`,
    /// which runs last (it also refuses a parameter count that overflows). After this the layout
    /// is cheap to build (at most `tensors` blocks) and its tensor shapes can be compared with the
    /// file's before any buffer exists; a loader that allocates first also calls
    /// `checkParameterCount`.
    package func check(
        against weights: String, tensors: Int, elements: Int,
        validate: () throws(ModelError) -> Void
    ) throws(ModelError) {
        for (key, value) in dimensions where value > elements {
            throw .checkpoint("\(file): \(key) is \(value), more than the \(elements) weights \(weights) holds in all")
        }
        if layers.value > tensors {
            let needed = tensorCount.value.map(String.init) ?? "more than \(Int.max)"
            throw .checkpoint(
                "\(file): \(layers.key) is \(layers.value), which needs \(needed) tensors; \(weights) has \(tensors)")
        }
        try validate()
    }

    /// Throws a `ModelError` naming `file` and its sizes when they make more parameters than the
    /// `elements` `weights` holds (or more than an `Int` counts).
    package func checkParameterCount(against weights: String, elements: Int) throws(ModelError) {
        guard let count = parameterCount.value, count <= elements else {
            let sizes = (dimensions + [layers]).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            let count = parameterCount.value.map(String.init) ?? "more than \(Int.max)"
            throw .checkpoint("\(file): the sizes (\(sizes)) make \(count) parameters; \(weights) holds \(elements) weights")
        }
    }
}
