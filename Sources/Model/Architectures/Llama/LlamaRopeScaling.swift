import Foundation

/// A rescaling of the rotary frequencies, `rope_scaling` in a transformers `config.json`
/// (`rope_parameters` since transformers 5). Only the types that leave the attention's scale at 1
/// and whose frequencies do not depend on the sequence are computed: `llama3` and `linear`.
package enum RopeScaling: Equatable, Sendable {
    /// Position interpolation: every frequency divided by `factor` (the positions t/factor).
    case linear(factor: Double)
    /// Llama 3.1's scaling (transformers' `_compute_llama3_parameters`), with wavelength
    /// λᵢ = 2π/ωᵢ, L = `originalContext`, λ_low = L/`lowFrequencyFactor`,
    /// λ_high = L/`highFrequencyFactor`:
    ///
    ///     ω′ᵢ = ωᵢ                                 λᵢ < λ_high
    ///     ω′ᵢ = ωᵢ/factor                          λᵢ > λ_low
    ///     ω′ᵢ = (1 − s)·ωᵢ/factor + s·ωᵢ           otherwise, s = (L/λᵢ − low)/(high − low)
    case llama3(factor: Double, lowFrequencyFactor: Double, highFrequencyFactor: Double, originalContext: Int)

    /// The `rope_type` spelling.
    package var typeName: String {
        switch self {
        case .linear: "linear"
        case .llama3: "llama3"
        }
    }

    /// The types gscope computes, for messages.
    package static let computedTypes = ["default", "llama3", "linear"]

    /// The rotary frequencies of a head of width `headSize`: `ωᵢ = base^(−2i/headSize)`
    /// (`RotaryEmbedding.frequencies`), rescaled by `scaling` when given. Float64 throughout.
    package static func frequencies(base: Double, headSize: Int, scaling: RopeScaling?) -> [Double] {
        let plain = RotaryEmbedding.frequencies(headSize: headSize, base: base)
        guard let scaling else { return plain }
        switch scaling {
        case .linear(let factor):
            return plain.map { $0 / factor }
        case .llama3(let factor, let low, let high, let originalContext):
            let context = Double(originalContext)
            let lowWavelength = context / low, highWavelength = context / high
            return plain.map { omega in
                let wavelength = 2 * Double.pi / omega
                if wavelength < highWavelength { return omega }
                if wavelength > lowWavelength { return omega / factor }
                let smooth = (context / wavelength - low) / (high - low)
                return (1 - smooth) * omega / factor + smooth * omega
            }
        }
    }

    /// Checks that the parameters make finite, positive frequencies.
    func validate() throws(ModelError) {
        switch self {
        case .linear(let factor):
            guard factor > 0, factor.isFinite else { throw .invalidConfig("rope_scaling factor \(factor) must be positive") }
        case .llama3(let factor, let low, let high, let context):
            guard factor > 0, factor.isFinite, low > 0, high > low, high.isFinite, context > 0 else {
                throw .invalidConfig(
                    "rope_scaling llama3 needs factor > 0, 0 < low_freq_factor < high_freq_factor and "
                        + "original_max_position_embeddings > 0, not \(factor), \(low), \(high), \(context)")
            }
        }
    }
}
