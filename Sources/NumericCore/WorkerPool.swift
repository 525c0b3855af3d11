import Foundation
import Synchronization

/// A fixed team of threads for the engine's parallel loops, in the manner of OpenMP: the caller
/// is participant 0 and `size − 1` persistent workers are participants 1…; job `i` of a parallel
/// call always runs on participant `i`.
///
/// Between jobs the workers spin for a while (`spinNanoseconds`, 2 ms) before sleeping, so a
/// training step's hundreds of short parallel phases start in nanoseconds instead of waiting for
/// a thread to be woken; 2 ms outlasts the serial stretches between them (a `small` step: median
/// 322–326 ms over four runs, against 330–358 ms with a 0.2 ms spin). Every spinning thread yields
/// its core now and then, so that when other processes compete for the cores a thread with work is
/// not kept waiting behind one that only spins. A call made while the team is busy (from inside a job, or from a second
/// thread) runs its jobs one after another on the calling thread: same results, no deadlock.
final class WorkerPool: @unchecked Sendable {
    let size: Int
    private let spinNanoseconds: UInt64 = 2_000_000
    private let generation = Atomic<Int>(0)
    private let done = Atomic<Int>(0)
    private let claimed = Atomic<UInt64>(0)   // bit i: job i of the current call taken (by worker i or the caller)
    private let busy = Atomic<Bool>(false)
    private let wakeup = NSCondition()
    private var job: ((Int) -> Void)?   // written before `generation` is bumped
    private var jobCount = 0
    private var stopping = false

    init(size: Int) {
        self.size = max(1, size)
        precondition(self.size <= 64, "at most 64 threads")
        for index in 1..<self.size {
            // Workers keep the pool alive until `shutdown` lets them return.
            let thread = Thread { self.workerLoop(index) }
            thread.name = "gscope-worker-\(index)"
            thread.start()
        }
    }

    /// Runs `body(i)` for `i` in `0..<jobs` (`jobs ≤ size`): job 0 on the calling thread, job i
    /// on worker i — unless worker i has not started it by the time the caller is free, in which
    /// case the caller runs it (a worker that other processes keep off the cores must not hold the
    /// team up). Each job is claimed exactly once, so which thread runs it changes nothing.
    func run(jobs: Int, _ body: (Int) -> Void) {
        precondition(jobs <= size)
        guard jobs > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<jobs { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            wakeup.lock()
            job = body
            jobCount = jobs
            done.store(0, ordering: .relaxed)
            claimed.store(0, ordering: .releasing)
            generation.add(1, ordering: .releasing)
            wakeup.broadcast()
            wakeup.unlock()
            body(0)
            for i in 1..<jobs where claim(i) {
                body(i)
                done.add(1, ordering: .releasing)
            }
            var spins = 0
            while done.load(ordering: .acquiring) < jobs - 1 {
                spins += 1
                if spins & 255 == 0 { sched_yield() }   // the worker that claimed a job may be waiting for a core
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Takes job `i` of the current call if nobody has.
    private func claim(_ i: Int) -> Bool {
        let bit = UInt64(1) << UInt64(i)
        return claimed.bitwiseOr(bit, ordering: .acquiringAndReleasing).oldValue & bit == 0
    }

    /// Lets the workers finish: the pool is released once they have returned. Waits for a job in
    /// flight to end and keeps the pool marked busy, so later calls on it run serially.
    func shutdown() {
        while !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {}
        wakeup.lock()
        stopping = true
        generation.add(1, ordering: .releasing)
        wakeup.broadcast()
        wakeup.unlock()
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            // Spin for new work, then sleep until it comes.
            let spinStart = DispatchTime.now().uptimeNanoseconds
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins & 255 == 0 { sched_yield() }   // let a thread that has work use this core
                if spins & 1023 == 0, DispatchTime.now().uptimeNanoseconds - spinStart > spinNanoseconds {
                    wakeup.lock()
                    while generation.load(ordering: .acquiring) == seen { wakeup.wait() }
                    wakeup.unlock()
                }
            }
            seen = generation.load(ordering: .acquiring)
            wakeup.lock(); let stop = stopping; wakeup.unlock()
            if stop { return }
            if index < jobCount, claim(index) {
                if let job { job(index) }   // the closure is released before `done` lets the caller go
                done.add(1, ordering: .releasing)
            }
        }
    }
}
