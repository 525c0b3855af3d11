/// One entry of a GGUF file's tensor table.
///
/// `dimensions` are ggml's `ne`, listed fastest-varying first: `ne[0]` is the length of a row
/// (contiguous in the file), so a PyTorch weight of shape `(out, in)` appears as `[in, out]`.
/// `shape` gives the usual row-major order (`dimensions` reversed).
package struct GGUFTensorInfo: Sendable, Equatable {
    package let name: String
    /// ggml's `ne`, fastest-varying first.
    package let dimensions: [Int]
    package let type: GGMLType
    /// Byte offset of the tensor's data from the start of the data section.
    package let offset: Int

    package init(name: String, dimensions: [Int], type: GGMLType, offset: Int) {
        self.name = name
        self.dimensions = dimensions
        self.type = type
        self.offset = offset
    }

    /// Row-major shape (slowest-varying first), as PyTorch and safetensors list it.
    package var shape: [Int] { dimensions.reversed() }

    /// Number of elements.
    package var elementCount: Int { dimensions.reduce(1, *) }

    /// Bytes of data: `elementCount / blockSize` blocks of `blockBytes` each.
    package var byteCount: Int { elementCount / type.blockSize * type.blockBytes }
}
