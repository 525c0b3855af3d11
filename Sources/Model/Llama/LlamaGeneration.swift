/// Greedy decoding of the Llama (`GreedyDecoder`, and `generateGreedy` from `IncrementallyDecodable`)
/// through `LlamaIncrementalForward`.
extension Llama: IncrementallyDecodable {
    /// The vocabulary size V.
    public var vocabSize: Int { config.vocabSize }
    /// The most positions a sequence may have.
    public var contextLength: Int { config.blockSize }

    public func incrementalForward(rows: Int, maxLength: Int?) throws(ModelError) -> any IncrementalDecoding {
        try LlamaIncrementalForward(model: self, rows: rows, maxLength: maxLength)
    }
}
