import Foundation
import TestSupport

/// `Tests/Fixtures/parity/metrics/metrics.json`, decoded (the format is the contract with
/// `notebooks-scripts/parity/metrics_fixture.py`).
struct MetricsFixture: Decodable {
    struct KSCase: Decodable {
        struct Generated: Decodable {
            let n1: Int, c1: Double, n2: Int, c2: Double, scale2: Double, offset2: Double
        }
        let name: String
        let statistic: Double
        let pvalue: Double
        let method: String
        let a: [Double]?
        let b: [Double]?
        let generated: Generated?

        /// The two samples: stored, or rebuilt as xᵢ = fmod(i·c, 1)·scale + offset, i = 1…n.
        var samples: ([Double], [Double]) {
            if let a, let b { return (a, b) }
            let g = generated!
            func weyl(_ n: Int, _ c: Double, _ scale: Double, _ offset: Double) -> [Double] {
                (1...n).map { fmod(Double($0) * c, 1.0) * scale + offset }
            }
            return (weyl(g.n1, g.c1, 1, 0), weyl(g.n2, g.c2, g.scale2, g.offset2))
        }
    }
    struct KSTwoCase: Decodable { let n: Int; let x: Double; let sf: Double }
    struct ROUGECase: Decodable {
        let target: String, prediction: String
        let target_tokens: [String], prediction_tokens: [String]
        let rouge1: [Double], rougeL: [Double]   // precision, recall, fmeasure
    }
    struct AUCCase: Decodable { let name: String; let forget: [Double]; let holdout: [Double]; let auc: Double }
    struct PrivleakCase: Decodable { let model_auc: Double; let retain_auc: Double; let privleak: Double }
    struct MembershipCase: Decodable {
        let logits: [[Double]], labels: [Int], text: String
        let token_log_probs: [Double], mu: [Double], variance: [Double]
        let loss: Double, zlib: Double
        let min_k: [String: Double], min_k_plus_plus: [String: Double]
    }
    struct ZlibCase: Decodable { let text: String; let length: Int }
    struct TruthRatioCase: Decodable {
        let paraphrased_avg_loss: [Double], perturbed_avg_losses: [[Double]], ratios: [Double]
        let closer_to_1_better: Double, true_better: Double
    }
    struct MemorisationCase: Decodable { let flags: [Bool]; let extraction_strength: Double; let exact_memorization: Double? }
    struct HMeanCase: Decodable { let values: [Double]; let hmean: Double }

    let ks: [KSCase]
    let kstwo: [KSTwoCase]
    let rouge: [ROUGECase]
    let porter: [[String]]
    let auc: [AUCCase]
    let privleak: [PrivleakCase]
    let membership: [MembershipCase]
    let zlib: [ZlibCase]
    let truth_ratio: TruthRatioCase
    let memorisation: [MemorisationCase]
    let hmean: [HMeanCase]

    static let shared: MetricsFixture = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: FixturePaths.parityMetrics))
        return try! JSONDecoder().decode(MetricsFixture.self, from: data)
    }()
}

/// |a − b| / |b| (|a − b| when b = 0).
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    relativeError([a], [b])
}

/// The parity tolerance: 1e-6 relative.
let parityTolerance = 1e-6
