/// TOFU's forget quality as open-unlearning computes it (`src/evals/metrics/privacy.py`,
/// `forget_quality`): the `ks_2samp` p-value between the per-item forget-set truth ratios R of the
/// evaluated model and those of the retain model. (A newer open-unlearning `get_forget_quality` in
/// `src/evals/metrics/utils.py` tests 1/(R + 10⁻¹⁰) instead; the KS statistic is invariant under
/// that strictly decreasing map, so the p-value is the same up to floating-point ties.)
package enum ForgetQuality {
    package static func pValue(modelTruthRatios: [Double], retainModelTruthRatios: [Double]) -> Double {
        KolmogorovSmirnov.twoSample(modelTruthRatios, retainModelTruthRatios).pValue
    }
}
