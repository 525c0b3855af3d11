import NumericCore
import Testing
import TestSupport
import Unlearning

@Suite("Learning-rate schedules and gradient clipping")
struct ScheduleTests {
    @Test func constantIsTheBaseRate() {
        for s in [1, 7, 100] {
            #expect(LearningRateSchedule.constant.rate(step: s, totalSteps: 100, base: 3e-3) == 3e-3)
        }
    }

    /// Hugging Face's get_linear_schedule_with_warmup(num_warmup_steps=2, num_training_steps=6),
    /// read at scheduler indices 0…5 (the lr of optimizer steps 1…6): 0, 0.5, 1, 0.75, 0.5, 0.25.
    @Test func linearWarmupDecayMatchesHuggingFace() {
        let s = LearningRateSchedule.linearWarmupDecay(warmupSteps: 2)
        let rates = (1...6).map { s.rate(step: $0, totalSteps: 6, base: 1) }
        #expect(rates == [0, 0.5, 1, 0.75, 0.5, 0.25])
        // The multiplier is formed in Float64, then scaled once.
        let r = (1...6).map { s.rate(step: $0, totalSteps: 6, base: 1e-3) }
        for (got, want) in zip(r, [0, 0.5e-3, 1e-3, 0.75e-3, 0.5e-3, 0.25e-3] as [Double]) {
            #expect(abs(Double(got) - want) <= 1e-7 * want)
        }
        // Past the end the rate stays 0.
        #expect(s.rate(step: 7, totalSteps: 6, base: 1) == 0)
        #expect(s.rate(step: 9, totalSteps: 6, base: 1) == 0)
    }

    /// W = 0: the first step has the full rate, then a linear decay: base·(N − s + 1)/N.
    @Test func noWarmupStartsAtTheBaseRate() {
        let s = LearningRateSchedule.linearWarmupDecay(warmupSteps: 0)
        #expect((1...4).map { s.rate(step: $0, totalSteps: 4, base: 2) } == [2, 1.5, 1, 0.5])
    }

    /// A warm-up longer than the run: every step is in the warm-up.
    @Test func warmupLongerThanTheRun() {
        let s = LearningRateSchedule.linearWarmupDecay(warmupSteps: 10)
        #expect((1...3).map { s.rate(step: $0, totalSteps: 3, base: 1) } == [0, Float(0.1), Float(0.2)])
    }

    @Test func clippingScalesToTheMaximumNorm() {
        // Norm √(3² + 4² + 12²) = 13.
        let g = FloatBuffer([3, 4, 12])
        let before = clipGradientNorm(g, maxNorm: 1)
        #expect(before == 13)
        let after = gradientNorm(g)
        #expect(abs(after - 1) <= 1e-6)
        // The direction is kept.
        let c = Float(1 / (13 + 1e-6))
        #expect(g.array == [3 * c, 4 * c, 12 * c])
    }

    @Test func clippingOfALargeBufferUsesTheGlobalNorm() {
        var rng = RNG(seed: 3)
        let n = 300_001   // several parallel chunks and a scalar tail
        let g = FloatBuffer((0..<n).map { _ in Float(rng.normal()) })
        let values = g.array
        let exact = values.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let before = clipGradientNorm(g, maxNorm: 5)
        #expect(abs(before - exact) <= 1e-9 * exact)
        #expect(abs(gradientNorm(g) - 5) <= 5e-6)
    }

    @Test func clippingLeavesSmallGradientsUntouched() {
        let g = FloatBuffer([0.3, -0.4])
        let before = clipGradientNorm(g, maxNorm: 1)
        #expect(abs(before - 0.5) < 1e-7)
        #expect(g.array == [0.3, -0.4])
        // At the maximum (up to Float rounding): PyTorch's factor max/(norm + 1e-6) < 1 scales by
        // a hair, so the norm ends 1e-6 below, plus the rounding of 0.6 and 0.8 to Float.
        let h = FloatBuffer([0.6, 0.8])
        _ = clipGradientNorm(h, maxNorm: 1)
        #expect(abs(gradientNorm(h) - 1) <= 2e-6)
    }

    /// The norm is summed over fixed chunks: the same bits on 1 and 2 workers, and the Float64 sum
    /// of squares to rounding, over a buffer of several chunks.
    @Test func theGradientNormDoesNotDependOnTheWorkers() {
        var rng = RNG(seed: 9)
        let g = FloatBuffer((0..<700_001).map { _ in Float(rng.normal()) })
        let exact = g.array.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        withFixedThreadCount {
            let before = Parallel.workers
            defer { Parallel.configure(threads: before) }
            Parallel.configure(threads: 1)
            let one = gradientNorm(g)
            Parallel.configure(threads: 2)
            let two = gradientNorm(g)
            #expect(one == two)
            #expect(abs(one - exact) <= 1e-12 * exact)
        }
    }
}
