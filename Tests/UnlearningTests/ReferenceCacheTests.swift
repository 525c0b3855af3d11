import Datasets
import Model
import NumericCore
import Testing
import TestSupport
import Unlearning

/// θ_o's log-probabilities are computed once per forget instance and then served from the cache.
@Suite("Reference cache")
struct ReferenceCacheTests {
    typealias O = ObjectiveGradientTests

    @Test(arguments: ["npo", "tnpo", "wtnpo", "idkdpo"])
    func cachedReferenceGivesTheSameObjective(_ name: String) throws {
        let objective = O.cases[name]!.objective
        let (p, po) = O.parameters(seed: 6)
        let model = try GPT(config: O.config, parameters: p), reference = try GPT(config: O.config, parameters: po)
        let (forget, refusal, _) = O.samples()
        let cache = ReferenceCache(), refusals = objective.forget.roles.contains(.refusal)
        // Fill the cache from single-instance batches (another batch shape than the one reused).
        for i in 0..<2 {
            _ = try objective.evaluate(
                model: model, reference: reference,
                batch: ObjectiveBatch(
                    forget: [forget[i]], forgetIndices: [i], refusal: refusals ? [refusal[i]] : [],
                    padding: 0),
                referenceCache: cache)
        }
        #expect(cache.count == (refusals ? 4 : 2))
        let batch = O.batch()
        let expected = try objective.evaluate(model: model, reference: reference, batch: batch)
        let expectedGradient = model.gradients.array.doubles
        // A reference that has drifted proves the cache, not a new forward pass, serves θ_o.
        for i in 0..<reference.parameterCount { reference.parameters[i] += 0.1 }
        let cached = try objective.evaluate(model: model, reference: reference, batch: batch, referenceCache: cache)
        #expect(abs(cached.loss - expected.loss) <= 1e-5 * abs(expected.loss), "\(name): \(cached.loss) vs \(expected.loss)")
        #expect(relativeError(model.gradients.array, expectedGradient) < 1e-5)
        let uncached = try objective.evaluate(model: model, reference: reference, batch: batch)
        #expect(abs(uncached.loss - expected.loss) > 1e-4 * abs(expected.loss))
    }
}
