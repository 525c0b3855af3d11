import Datasets
import Model
import NumericCore

/// A generated benchmark (20 authors, seed 3) and a small random checkpoint for the byte
/// tokenizer, written under a fresh temporary directory: what the run-file tests unlearn from.
package func syntheticRunSetup(_ label: String) -> (data: String, checkpoint: String) {
    let root = temporaryDirectory(label)
    try! SyntheticTOFU(authors: 20, seed: 3).write(to: root + "/data", force: false)
    let config = GPTConfig(nLayer: 2, nHead: 2, nEmbd: 32, vocabSize: ByteTokenizer().vocabSize, blockSize: 320)
    let model = try! GPT(config: config)
    var rng = RNG(seed: 1)
    model.initializeGPT2(rng: &rng)
    try! Checkpoint.save(config: config, parameters: model.parameters.array, to: root + "/checkpoint")
    return (root + "/data", root + "/checkpoint")
}

/// A random Llama for the byte tokenizer (2 blocks of 32, 4 query heads on 2 key/value heads,
/// context 320), saved as a checkpoint in a fresh temporary directory: what the Llama run and
/// fine-tuning tests start from.
package func tinyLlamaCheckpoint(_ label: String, seed: UInt64) -> (checkpoint: String, model: Llama) {
    let config = LlamaConfig(
        nLayer: 2, nHead: 4, nKVHead: 2, nEmbd: 32, ffnHidden: 48,
        vocabSize: ByteTokenizer().vocabSize, blockSize: 320)
    let model = try! Llama(config: config)
    var rng = RNG(seed: seed)
    model.initializeLlama(rng: &rng)
    let checkpoint = temporaryDirectory(label)
    try! model.saveCheckpoint(to: checkpoint)
    return (checkpoint, model)
}
