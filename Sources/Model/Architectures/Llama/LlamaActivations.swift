import NumericCore

/// Everything one Llama forward pass keeps for its backward pass, plus the backward scratch, for
/// passes of up to one batch shape (B,T) (`ArenaShape`). Arrays are row-major; N = B·T rows of the pass.
final class LlamaActivations: OutputArena {
    /// One transformer block's saved tensors. Q = NH·hs, QKV = Q + 2·KV, F = the MLP width.
    struct Block {
        let attnNorm, attnRstd: UnsafeMutablePointer<Float>   // (N,C), (N): input_layernorm
        let qkv: UnsafeMutablePointer<Float>   // (N,QKV) q|k|v, q and k rotated
        let att: UnsafeMutablePointer<Float>   // (B,NH,T,T) probabilities
        let atty: UnsafeMutablePointer<Float>   // (N,Q) attention output (before o_proj)
        let res2: UnsafeMutablePointer<Float>   // (N,C) residual after attention
        let mlpNorm, mlpRstd: UnsafeMutablePointer<Float>   // (N,C), (N): post_attention_layernorm
        let gateUp: UnsafeMutablePointer<Float>   // (N,2F) gate|up
        let act: UnsafeMutablePointer<Float>   // (N,F) silu(gate) ⊙ up
        let res3: UnsafeMutablePointer<Float>   // (N,C) block output

        /// The same buffers with another output.
        func withOutput(_ res3: UnsafeMutablePointer<Float>) -> Block {
            Block(
                attnNorm: attnNorm, attnRstd: attnRstd, qkv: qkv, att: att, atty: atty, res2: res2, mlpNorm: mlpNorm,
                mlpRstd: mlpRstd, gateUp: gateUp, act: act, res3: res3)
        }
    }

    let shape: ArenaShape
    let head = OutputHeadState()
    /// The backward pass's gather of the rows a shared prefix leaves to backpropagate (`Linear.backward`).
    let prefixRows = GrowingScratch()
    /// Whether the blocks share their buffers and there is no backward scratch (see `init`).
    let forwardOnly: Bool
    let blocks: [Block]
    let encoded: UnsafeMutablePointer<Float>   // (N,C) token embeddings
    let norm, normRstd: UnsafeMutablePointer<Float>   // (N,C), (N): model.norm
    let logits: UnsafeMutablePointer<Float>   // (N,V)
    let lse, logp: UnsafeMutablePointer<Float>   // (N)
    let ropeCos, ropeSin: UnsafeMutablePointer<Float>   // (T, hs/2)
    let tokens, targets: UnsafeMutablePointer<Int32>   // (N) copies of the inputs
    // Backward scratch, reused by every block.
    let dres, dln: UnsafeMutablePointer<Float>   // (N,C)
    let datty: UnsafeMutablePointer<Float>   // (N,Q)
    /// N ones, the `Linear.backward` bias gradients' reduction vector; nil without biases.
    let ones: UnsafeMutablePointer<Float>?
    let dqkv: UnsafeMutablePointer<Float>   // (N,QKV)
    let dgateUp: UnsafeMutablePointer<Float>   // (N,2F)
    let dact: UnsafeMutablePointer<Float>   // (N,F)
    let dlogits: UnsafeMutablePointer<Float>   // (N,V)
    let attScratch: UnsafeMutablePointer<Float>   // (T,T) per worker
    let attScratchSlots: Int
    /// Scratch of `directionalDerivative`, allocated by its first call, for the arena's capacity.
    var tangents: LlamaTangentScratch?
    private let owned: [FloatBuffer]
    private let ownedIds: [UnsafeMutablePointer<Int32>]

    /// `forwardOnly` (a frozen model, which never runs backward or forward mode): the blocks
    /// share one set of buffers but for their outputs (`res3`, which `hiddenState(afterBlock:)`
    /// reads), and there is no backward scratch: for SmolLM2 at 16 × 84 positions 0.4 GB
    /// instead of 2.1 GB.
    init(config: LlamaConfig, B: Int, T: Int, workers: Int, forwardOnly: Bool = false) {
        shape = ArenaShape(B: B, T: T)
        self.forwardOnly = forwardOnly
        let N = B * T, C = config.nEmbd, V = config.vocabSize, NH = config.nHead
        let QKV = config.qkvDim, F = config.ffnHidden, Q = config.qDim
        var owned: [FloatBuffer] = []
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            owned.append(FloatBuffer(count: n))
            return owned.last!.base
        }
        func block() -> Block {
            Block(
                attnNorm: take(N * C), attnRstd: take(N), qkv: take(N * QKV), att: take(B * NH * T * T),
                atty: take(N * Q), res2: take(N * C), mlpNorm: take(N * C), mlpRstd: take(N),
                gateUp: take(N * 2 * F), act: take(N * F), res3: take(N * C))
        }
        if forwardOnly {
            let shared = block()
            blocks = [shared] + (1..<config.nLayer).map { _ in shared.withOutput(take(N * C)) }
        } else {
            blocks = (0..<config.nLayer).map { _ in block() }
        }
        encoded = take(N * C)
        norm = take(N * C); normRstd = take(N)
        logits = take(N * V)
        lse = take(N); logp = take(N)
        ropeCos = take(T * config.headSize / 2); ropeSin = take(T * config.headSize / 2)
        RotaryEmbedding.tables(cos: ropeCos, sin: ropeSin, T: T, frequencies: config.ropeFrequencies)
        let backward = forwardOnly ? 0 : N   // rows of the backward scratch
        dres = take(backward * C); dln = take(backward * C); datty = take(backward * Q)
        if config.hasBiases && !forwardOnly {
            let ones = take(N)
            ones.update(repeating: 1, count: N)
            self.ones = ones
        } else {
            ones = nil
        }
        dqkv = take(backward * QKV)
        dgateUp = take(backward * 2 * F)
        dact = take(backward * F)
        dlogits = take(backward * V)
        attScratch = take(forwardOnly ? 0 : workers * T * T)
        attScratchSlots = workers
        self.owned = owned
        tokens = .allocate(capacity: N)
        targets = .allocate(capacity: N)
        ownedIds = [tokens, targets]
    }

    deinit { ownedIds.forEach { $0.deallocate() } }
}
