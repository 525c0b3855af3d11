import Foundation
import Synchronization
import NumericCore
import Testing
import TestSupport

@Suite("Numeric kernels")
struct NumericCoreTests {
    @Test func vectorExpIsAccurate() {
        var worst = 0.0
        var x: Float = -87
        while x < 88 {
            let v = Float8((0..<8).map { x + Float($0) * 0.0137 })
            let e = VectorMath.exp(v)
            for j in 0..<8 {
                let ref = Foundation.exp(Double(v[j]))
                worst = max(worst, abs(Double(e[j]) - ref) / ref)
            }
            x += 0.11
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")   // ≈ 2.5 ulp
    }

    @Test func vectorTanhIsAccurate() {
        var worst = 0.0
        for i in -2000...2000 {
            let x = Float(i) * 0.005
            let t = VectorMath.tanh(Float8(repeating: x))[0]
            worst = max(worst, abs(Double(t) - Foundation.tanh(Double(x))))
        }
        #expect(worst < 2e-7, "worst absolute error \(worst)")
    }

    @Test func reductionsMatchFloat64() {
        var rng = RNG(seed: 7)
        for n in [0, 1, 7, 8, 15, 16, 17, 1000] {
            let x = (0..<n).map { _ in Float(rng.normal()) }, y = (0..<n).map { _ in Float(rng.normal()) }
            let dot = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let sum = x.reduce(0.0) { $0 + Double($1) }
            #expect(abs(Reduce.dot(x, y, count: n) - dot) <= 1e-12 * max(1, abs(dot)))
            #expect(abs(Reduce.sum(x, count: n) - sum) <= 1e-12 * max(1, abs(sum)))
            #expect(abs(Double(Reduce.dotF32(x, y, count: n)) - dot) <= 1e-5 * Double(max(n, 1)))
            #expect(abs(Double(Reduce.sumF32(x, count: n)) - sum) <= 1e-5 * Double(max(n, 1)))
            #expect(Reduce.max(x, count: n) == (x.max() ?? -.infinity))
        }
    }

    @Test func gemmMatchesNaiveInEveryTransposition() {
        var rng = RNG(seed: 8)
        let m = 5, n = 6, k = 7
        for transA in [false, true] {
            for transB in [false, true] {
                let a = (0..<(m * k)).map { _ in Float(rng.normal()) }, b = (0..<(k * n)).map { _ in Float(rng.normal()) }
                var c = (0..<(m * n)).map { _ in Float(rng.normal()) }
                let c0 = c
                BLAS.gemm(
                    transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a, lda: transA ? m : k,
                    b, ldb: transB ? k : n, beta: 2, &c, ldc: n)
                for i in 0..<m {
                    for j in 0..<n {
                        var s = 0.0
                        for p in 0..<k {
                            let av = transA ? a[p * m + i] : a[i * k + p], bv = transB ? b[j * k + p] : b[p * n + j]
                            s += Double(av) * Double(bv)
                        }
                        #expect(abs(Double(c[i * n + j]) - (0.5 * s + 2 * Double(c0[i * n + j]))) < 1e-5)
                    }
                }
            }
        }
    }

    /// Groups of rows whose first P rows of A are the same (`sharedPrefix`): C matches the naive
    /// sum (bias-like β·C included), every group's first P rows are the first group's bits (or
    /// zeros, `.zeroed`), and the bits are the same at any thread count.
    @Test func groupsSharingAPrefixMatchNaiveAtAnyThreadCount() {
        withFixedThreadCount {
            var rng = RNG(seed: 10)
            let group = 9, groups = 4, P = 4, m = group * groups, n = 70, k = 30
            var a = (0..<(m * k)).map { _ in Float(rng.normal()) }
            for g in 1..<groups { for i in 0..<(P * k) { a[g * group * k + i] = a[i] } }
            let b = (0..<(n * k)).map { _ in Float(rng.normal()) }
            var c0 = (0..<(m * n)).map { _ in Float(rng.normal()) }
            for g in 1..<groups { for i in 0..<(P * n) { c0[g * group * n + i] = c0[i] } }
            var results: [[Float]] = []
            for threads in [1, 2, 3] {
                Parallel.configure(threads: threads)
                var c = c0
                BLAS.gemm(
                    transB: true, m: m, n: n, k: k, a, lda: k, b, ldb: k, beta: 1, &c, ldc: n, rowGroup: group, sharedPrefix: P)
                results.append(c)
            }
            Parallel.configure(threads: 1)
            #expect(results[1] == results[0] && results[2] == results[0])
            let c = results[0]
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    let s = (0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(b[j * k + $1]) }
                    worst = max(worst, abs(Double(c[i * n + j]) - (s + Double(c0[i * n + j]))))
                }
            }
            #expect(worst < 1e-4, "largest difference \(worst)")
            for g in 1..<groups {
                #expect(Array(c[(g * group * n)..<(g * group * n + P * n)]) == Array(c[0..<(P * n)]), "group \(g)")
            }
            // `.zeroed` (a backward pass): the same bits, but zeros in the other groups' prefix rows.
            var zeroed = c0
            BLAS.gemm(
                transB: true, m: m, n: n, k: k, a, lda: k, b, ldb: k, beta: 1, &zeroed, ldc: n, rowGroup: group,
                sharedPrefix: P, otherPrefixes: .zeroed)
            for i in 0..<m {
                let row = (i * n)..<((i + 1) * n)
                let expected = i >= group && i % group < P ? [Float](repeating: 0, count: n) : Array(c[row])
                #expect(Array(zeroed[row]) == expected, "row \(i)")
            }
        }
    }

    /// A product with one row runs as matrix-vector products cut into bands by shape
    /// (`BLAS.gemvPieces`): each transposition matches the naive sum, A's row may be strided
    /// (a column of a stored A when transA), and the bits are the same at any thread count.
    @Test func aRowTimesAMatrixMatchesNaiveAtAnyThreadCount() {
        withFixedThreadCount {
            var rng = RNG(seed: 9)
            let n = 700, k = 300, lda = 3
            #expect(BLAS.gemvPieces(n: n, k: k) == 4)
            for transA in [false, true] {
                for transB in [false, true] {
                    let a = (0..<(k * lda)).map { _ in Float(rng.normal()) }, b = (0..<(k * n)).map { _ in Float(rng.normal()) }
                    let c0 = (0..<n).map { _ in Float(rng.normal()) }
                    var results: [[Float]] = []
                    for threads in [1, 2, 3] {
                        Parallel.configure(threads: threads)
                        var c = c0
                        BLAS.gemm(
                            transA: transA, transB: transB, m: 1, n: n, k: k, alpha: 0.5, a, lda: transA ? lda : k,
                            b, ldb: transB ? k : n, beta: 2, &c, ldc: n)
                        results.append(c)
                    }
                    Parallel.configure(threads: 1)
                    #expect(results[1] == results[0] && results[2] == results[0], "transA \(transA) transB \(transB)")
                    var worst = 0.0
                    for j in 0..<n {
                        var s = 0.0
                        for p in 0..<k {
                            let av = transA ? a[p * lda] : a[p], bv = transB ? b[j * k + p] : b[p * n + j]
                            s += Double(av) * Double(bv)
                        }
                        worst = max(worst, abs(Double(results[0][j]) - (0.5 * s + 2 * Double(c0[j]))))
                    }
                    #expect(worst < 1e-4, "transA \(transA) transB \(transB): largest difference \(worst)")
                }
            }
        }
    }

    @Test func rngIsDeterministicAndWellDistributed() {
        var a = RNG(seed: 42), b = RNG(seed: 42), c = RNG(seed: 43)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
        var r = RNG(seed: 1)
        let n = 200_000
        let z = (0..<n).map { _ in r.normal() }
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        // Standard errors: mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032; allow 5 of them.
        #expect(abs(mean) < 0.011)
        #expect(abs(variance - 1) < 0.016)
        let u = (0..<n).map { _ in r.uniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / Double(n) - 0.5) < 0.0035)   // 5 × √(1/12n)
        #expect((0..<1000).allSatisfy { _ in (0..<7).contains(r.below(7)) })
    }

    @Test func parallelRangesCoverEveryIndexOnce() {
        withFixedThreadCount {
            for workers in [1, 2, 3] {
                Parallel.configure(threads: workers)
                for n in [0, 1, 5, 100] {
                    let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(n, 1))
                    hits.initialize(repeating: 0)
                    Parallel.forRanges(n) { r in for i in r { hits[i] += 1 } }
                    #expect(hits.prefix(n).allSatisfy { $0 == 1 })
                    hits.deallocate()
                }
            }
            Parallel.configure(threads: 1)
        }
    }

    /// Replacing the worker team while another thread is running parallel loops on it must
    /// neither deadlock nor drop work (a retired team finishes its job first). Without that rule
    /// this test hangs: a caller spins forever on a job its retired worker never finished.
    @Test
    func reconfiguringWhileBusyNeitherHangsNorLosesWork() {
        withFixedThreadCount {
            let n = 4096
            nonisolated(unsafe) let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
            defer { hits.deallocate(); Parallel.configure(threads: 1) }
            let lost = Mutex(0)
            DispatchQueue.concurrentPerform(iterations: 2) { role in
                if role == 0 {
                    for i in 0..<300 { Parallel.configure(threads: 1 + i % 3) }
                } else {
                    for _ in 0..<3000 {
                        hits.initialize(repeating: 0)
                        Parallel.forRanges(n, grain: 64) { r in for i in r { hits[i] += 1 } }
                        if !hits.allSatisfy({ $0 == 1 }) { lost.withLock { $0 += 1 } }
                    }
                }
            }
            #expect(lost.withLock { $0 } == 0)
        }
    }
}
