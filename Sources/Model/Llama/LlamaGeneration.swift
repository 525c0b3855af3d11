/// Greedy decoding of the Llama (`GreedyDecoder`, and `generateGreedy` from `IncrementallyDecodable`)
/// through `LlamaIncrementalForward`.
extension Llama {
    package func incrementalForward(rows: Int, maxLength: Int?) throws(ModelError) -> any IncrementalDecoding {
        try LlamaIncrementalForward(model: self, rows: rows, maxLength: maxLength)
    }
}
