import Foundation
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
enum ChildOutcome: Equatable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)
    /// Still running at the time limit: killed (with its process group).
    case timedOut

    var description: String {
        switch self {
        case .exited(let code): return "exit \(code)"
        case .signalled(let s):
            let names: [Int32: String] = [
                SIGILL: "SIGILL (trap)", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT", SIGSEGV: "SIGSEGV",
                SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL",
            ]
            return "signal \(names[s] ?? String(s))"
        case .timedOut: return "killed at the time limit"
        }
    }

    /// CPU seconds (user + system) the waited-for children of this process have used so far.
    static var childrenCPUSeconds: Double {
        var usage = rusage()
        getrusage(__rusage_who_t(truncatingIfNeeded: RUSAGE_CHILDREN.rawValue), &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}

/// Runs one command in a child process: in its own process group, stdout discarded, stderr into a
/// file, its address space limited (so that a reader allocating what a hostile size asks for
/// fails fast instead of taking the machine's memory), killed at a time limit.
enum ChildProcess {
    /// Runs `executable` with `arguments` and `environment`; stderr goes to `stderrPath`.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String], stderrPath: String,
        memoryLimitKB: Int, timeLimit: Double
    ) -> ChildOutcome {
        // The limit is set by a shell that then execs the command, so signals and exit codes are the command's.
        let argv = ["/bin/sh", "-c", "ulimit -v \(memoryLimitKB) && exec \"$0\" \"$@\"", executable] + arguments
        let envp = environment.keys.sorted().map { "\($0)=\(environment[$0]!)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // Nothing else of the test process: an HDF5 file another test has open (and locked) at
        // this moment would stay locked while the child lives, and that test's next open fail.
        closeFrom3(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = envp.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, cEnv)
        guard spawned == 0 else { return .exited(-spawned) }

        let deadline = Date().addingTimeInterval(timeLimit)
        var status: Int32 = 0
        var delay: useconds_t = 500
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { return .exited(-1) }
            if Date() > deadline {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return .timedOut
            }
            usleep(delay)
            delay = min(delay * 2, 20_000)
        }
        // Whatever the command started (gnuplot) goes with it.
        kill(-pid, SIGKILL)
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }
}

/// `posix_spawn_file_actions_addclosefrom_np(actions, 3)` (glibc 2.34 and later; Swift's Glibc
/// module does not import it), looked up at run time; where it is missing nothing is added.
private func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return }
    _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
}
