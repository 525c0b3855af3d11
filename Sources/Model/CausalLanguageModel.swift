import NumericCore

/// What the layers above the model — training, unlearning objectives, instrumentation and
/// evaluation — need from a causal language model. `GPT` and `Llama` conform; another architecture
/// that conforms (with its own forward, backward and forward-mode passes) works with every
/// objective and every G-effect unchanged.
///
/// All parameters live in one flat buffer, `parameters`, described by `layout`; `backward`
/// accumulates into its twin `gradients`. The model keeps the activations of the last `forward`
/// pass; the accessors below read them. Greedy decoding with a key/value cache
/// (`generateGreedy`, `GreedyDecoder`) comes from `IncrementallyDecodable`, which also gives the
/// vocabulary size and the context length.
package protocol CausalLanguageModel: IncrementallyDecodable {
    /// The tensor table of `parameters` and `gradients`: names, shapes, blocks and layer groups.
    var layout: ParameterLayout { get }
    /// The parameters, in `layout` order.
    var parameters: FloatBuffer { get }
    /// The gradient accumulator, the twin of `parameters`.
    var gradients: FloatBuffer { get }
    /// When set (V·C floats), `backward` also accumulates here the input side of a tied
    /// embedding's gradient (the rest is the output head's), to split its G-effect.
    var inputEmbeddingGradient: FloatBuffer? { get set }

    /// The number of transformer blocks.
    var blockCount: Int { get }
    /// The width C of the residual stream.
    var width: Int { get }
    /// Each transformer block's attention heads, MLP unit groups and the rest, as element runs
    /// of the parameter buffer (``BlockUnits``), for splitting a G-effect below the tensor.
    var blockUnits: [BlockUnits] { get }

    /// Sets every gradient to 0.
    func zeroGradients()

    /// Runs the model on a (B,T) batch and returns the masked token-mean NLL
    /// `Σ m·(−log p(y)) / Σ m`; targets are −1 where there is none. `scope`: everything, or what a
    /// loss reads (`forward(tokens:targets:mask:batch:seq:)`: everything).
    @discardableResult
    func forward(tokens: [Int32], targets: [Int32], mask: [Float], batch: Int, seq: Int, scope: ForwardScope)
        throws(ModelError) -> Double
    /// Whether the last forward pass ran on exactly these inputs, with `scope` (the mask matters
    /// for `.loss` only).
    func lastForwardRan(tokens: [Int32], targets: [Int32], mask: [Float], batch: Int, seq: Int, scope: ForwardScope) -> Bool
    /// Allocates now the activations a (batch, seq) forward pass needs, unless they are there:
    /// for a caller that knows its largest pass before it runs smaller ones (each new arena is
    /// first-touched memory, about 2 s per GB on the 2-core VM). A new arena holds no pass.
    func reserveActivations(batch: Int, seq: Int)
    /// Frees the activations of the last forward pass (the next forward allocates them again):
    /// for a frozen reference whose outputs have been cached, so that it holds its parameters only.
    func releaseActivations()
    /// The logits of the last forward pass, (B·T, V).
    var logits: UnsafeMutableBufferPointer<Float> { get }
    /// `log p(y[b,t])` of the last forward pass, (B·T); 0 where the target is −1.
    var targetLogProbs: UnsafeBufferPointer<Float> { get }
    /// `log Σ_v exp(logits[n,v])` of the last forward pass, (B·T).
    var logSumExp: UnsafeBufferPointer<Float> { get }
    /// The residual stream after block `block` in the last forward pass, (B·T, C).
    func hiddenState(afterBlock block: Int) -> UnsafeBufferPointer<Float>

    /// A scratch (B·T, V) buffer for callers to build a logit gradient in.
    var logitGradientScratch: UnsafeMutableBufferPointer<Float> { get }
    /// Fills `into` (B·T, V) with `cₙ·(softmax − onehot(yₙ))`, the logit gradient of
    /// `Σₙ cₙ·(−log p(yₙ))`, for the last forward pass.
    func nllLogitGradient(coefficients: [Float], into: UnsafeMutablePointer<Float>)
    /// Backpropagates `logitGradient` (B·T, V) through the last forward pass into `gradients`,
    /// adding each of `residualGradients` on the residual stream after its block.
    func backward(logitGradient: UnsafePointer<Float>, residualGradients: [ResidualGradient])

    /// The forward-mode derivative of the last forward pass along a direction in parameter space
    /// (the target log-probabilities' and chosen hidden states' changes per unit step, with the
    /// logits' as `outputs` asks).
    func directionalDerivative(along direction: UnsafePointer<Float>, hiddenBlocks: Set<Int>, outputs: TangentOutputs)
        -> DirectionalDerivative

    /// A model of the same architecture holding a copy of the parameters.
    func copy() throws(ModelError) -> Self
    /// A copy of the parameters for forward passes only (the frozen reference θ_o): no gradient
    /// buffer, so a reference costs one model's parameters, not two.
    func frozenCopy() throws(ModelError) -> Self
    /// The architecture and its sizes as JSON (what a run file records of the model).
    var configurationJSON: String { get }
    /// Writes a checkpoint of the current parameters to `directory` (atomically per file).
    func saveCheckpoint(to directory: String) throws(ModelError)
}

extension CausalLanguageModel {
    /// The number of parameters.
    package var parameterCount: Int { layout.count }

    /// `forward` of everything.
    @discardableResult
    package func forward(tokens: [Int32], targets: [Int32], mask: [Float], batch: Int, seq: Int) throws(ModelError) -> Double {
        try forward(tokens: tokens, targets: targets, mask: mask, batch: batch, seq: seq, scope: .all)
    }

    /// Whether the last forward pass ran on exactly these inputs, computing everything.
    package func lastForwardRan(tokens: [Int32], targets: [Int32], batch: Int, seq: Int) -> Bool {
        lastForwardRan(tokens: tokens, targets: targets, mask: [], batch: batch, seq: seq, scope: .all)
    }

    /// `directionalDerivative` with the logits' tangent.
    package func directionalDerivative(along direction: UnsafePointer<Float>, hiddenBlocks: Set<Int> = [])
        -> DirectionalDerivative
    {
        directionalDerivative(along: direction, hiddenBlocks: hiddenBlocks, outputs: .logits)
    }

    /// `directionalDerivative(along:hiddenBlocks:)` with the direction as an array of
    /// `parameterCount` floats.
    package func directionalDerivative(along direction: [Float], hiddenBlocks: Set<Int> = []) -> DirectionalDerivative {
        precondition(
            direction.count == parameterCount,
            "direction of \(direction.count) floats for a model of \(parameterCount) parameters")
        return direction.withUnsafeBufferPointer {
            directionalDerivative(along: $0.baseAddress!, hiddenBlocks: hiddenBlocks, outputs: .logits)
        }
    }

    /// The coefficients that make `nllLogitGradient` the gradient of the masked token-mean NLL
    /// that `forward` returned: `mask / Σ mask`.
    package func meanNLLCoefficients(mask: [Float]) -> [Float] { ForwardInputs.meanNLLCoefficients(mask: mask) }

    /// `backward` with no residual gradient.
    package func backward(logitGradient: UnsafePointer<Float>) {
        backward(logitGradient: logitGradient, residualGradients: [])
    }
}

/// A gradient to add on the residual stream after a block (e.g. RMU's representation loss).
package struct ResidualGradient {
    package let block: Int
    package let gradient: UnsafePointer<Float>   // (B·T, C)
    package init(block: Int, gradient: UnsafePointer<Float>) {
        self.block = block
        self.gradient = gradient
    }
}
