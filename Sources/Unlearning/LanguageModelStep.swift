import Model
import NumericCore

/// One step of next-token training on a batch: forward, the gradient of the masked token-mean NLL
/// on the logits, backward, optimiser update. Returns the loss before the update.
public func languageModelStep(_ model: GPT, optimizer: Optimizer, lr: Float,
                              tokens: [Int32], targets: [Int32], mask: [Float],
                              batch B: Int, seq T: Int) throws(ModelError) -> Double {
    model.zeroGradients()
    let loss = try model.forward(tokens: tokens, targets: targets, mask: mask, batch: B, seq: T)
    let dlogits = model.logitGradientScratch.baseAddress!
    model.nllLogitGradient(coefficients: model.meanNLLCoefficients(mask: mask), into: dlogits)
    model.backward(logitGradient: dlogits)
    optimizer.step(parameters: model.parameters, gradients: model.gradients, lr: lr)
    return loss
}
