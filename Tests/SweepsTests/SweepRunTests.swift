import Foundation
import Store
import Sweeps
import Testing
import TestSupport

/// `gscope sweep run` through the release binary: the grid in two parallel jobs, and a run killed
/// in the middle of a sweep, redone when the sweep is run again.
@Suite("Sweep runs", .serialized)
struct SweepRunTests {
    @Test func theGridRunsInTwoJobsAndASecondRunHasNothingToDo() throws {
        let reference = try SweepTestGrid.reference.get().directory
        let plan = try SweepDirectory(path: reference)
        #expect(plan.entries.count == 8)
        let states = plan.entries.map { plan.state(of: $0) }
        #expect(states.allSatisfy { $0 == .complete }, "\(states)")
        let again = try runGscope(["sweep", "run", reference, "--jobs", "2"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("8 runs, 8 finished; running 0"), "\(again.stdout)")
        let task = try runGscope(["sweep", "task", reference, "3"])
        #expect(task.status == 0 && task.stdout.contains("complete; nothing to do"), "\(task.stdout)")
        let outOfRange = try runGscope(["sweep", "task", reference, "8"])
        #expect(
            outOfRange.status == 2 && outOfRange.stderr.contains("no run 8: the plan has runs 0 to 7"), "\(outOfRange.stderr)")
    }

    /// Kills (SIGKILL) the first run caught between the creation of its run file and its end, lets
    /// the sweep finish, checks that it reports the failure, runs it again and compares every run
    /// with the uninterrupted reference.
    @Test func aRunKilledInTheMiddleIsRedoneOnResume() throws {
        let reference = try SweepTestGrid.reference.get()
        let (workdir, dir) = try SweepTestGrid.plannedSweep("killed")
        let plan = try SweepDirectory(path: dir)
        let sweep = Process()
        sweep.executableURL = URL(fileURLWithPath: gscopeBinary)
        sweep.arguments = ["sweep", "run", dir, "--jobs", "2"]
        sweep.standardOutput = FileHandle.nullDevice
        sweep.standardError = FileHandle.nullDevice
        try sweep.run()
        // The first run whose run file exists while its process (the lock's owner) lives. Only
        // file-system calls in the loop, so that it polls fast enough for runs of a second.
        var killed: String?
        while sweep.isRunning, killed == nil {
            for entry in plan.entries where FileManager.default.fileExists(atPath: plan.runFile(entry)) {
                guard let owner = try? String(contentsOfFile: plan.outPath(entry) + "/.gscope.lock", encoding: .utf8),
                    let pid = Int32(owner.trimmingCharacters(in: .whitespacesAndNewlines)), kill(pid, 0) == 0,
                    !plan.state(of: entry).isFinished
                else { continue }
                if kill(pid, SIGKILL) == 0 { killed = entry.id }
                break
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        sweep.waitUntilExit()
        let victim = try #require(killed, "no run was caught between its first step and its end")
        #expect(sweep.terminationStatus == 1)
        let entry = try #require(plan.entries.first { $0.id == victim })
        #expect(!plan.state(of: entry).isFinished, "\(plan.state(of: entry))")
        let log = try String(contentsOfFile: plan.logPath(entry), encoding: .utf8)
        let resumed = try runGscope(["sweep", "run", dir, "--jobs", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("8 runs, 7 finished; running 1"), "\(resumed.stdout)")
        #expect(try String(contentsOfFile: plan.logPath(entry), encoding: .utf8).hasPrefix(log))
        #expect(plan.entries.allSatisfy { plan.state(of: $0) == .complete })
        #expect(try SweepTestGrid.differences(dir, from: reference.directory) == [])
        #expect(try SweepTestGrid.collected(dir, in: workdir) == reference.sweepFile)
    }
}
