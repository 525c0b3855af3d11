import Foundation
import NumericCore

/// The resources one run of a sweep took: what `gscope sweep slurm` asks Slurm for. Measured
/// once on the sweep's first config and cached in `DIR/slurm/measure.json` (delete it to measure
/// again), reused while the config and the thread count are the same.
package struct RunMeasurement: Sendable, Equatable, Codable {
    /// The measured config, relative to DIR (`configs/<id>.yaml`).
    package var config: String
    /// `--threads` of the measured run (the tasks' `--cpus-per-task`).
    package var threads: Int
    /// Wall time of the run, seconds.
    package var wallSeconds: Double
    /// Peak resident memory of the run, KiB.
    package var peakResidentKiB: Int

    package init(config: String, threads: Int, wallSeconds: Double, peakResidentKiB: Int) {
        self.config = config
        self.threads = threads
        self.wallSeconds = wallSeconds
        self.peakResidentKiB = peakResidentKiB
    }

    enum CodingKeys: String, CodingKey {
        case config, threads
        case wallSeconds = "wall_seconds"
        case peakResidentKiB = "peak_rss_kib"
    }

    /// `DIR/slurm/measure.json` of the sweep directory `directory`.
    package static func cachePath(in directory: String) -> String { directory + "/slurm/measure.json" }

    /// The JSON text of the cache file (keys in a fixed order, one line).
    package var jsonText: String {
        JSONText.object([
            ("config", JSONText.quoted(config)), ("threads", "\(threads)"),
            ("wall_seconds", JSONText.number(wallSeconds)), ("peak_rss_kib", "\(peakResidentKiB)"),
        ]) + "\n"
    }

    /// The cached measurement at `path` when it measured `config` with `threads`; nil when there
    /// is none, it is unreadable, or it measured something else.
    package static func cached(at path: String, config: String, threads: Int) -> RunMeasurement? {
        guard let data = FileManager.default.contents(atPath: path),
            let measurement = try? JSONDecoder().decode(RunMeasurement.self, from: data),
            measurement.config == config, measurement.threads == threads
        else { return nil }
        return measurement
    }
}

/// A Slurm task's `--time` (minutes) and `--mem` (MB, Slurm's MiB).
package struct SlurmLimits: Sendable, Equatable {
    package var timeMinutes: Int
    package var memoryMB: Int

    package init(timeMinutes: Int, memoryMB: Int) {
        self.timeMinutes = timeMinutes
        self.memoryMB = memoryMB
    }

    /// From a measured run, with room for a slower node and a longer run:
    /// time = ⌈(2·wall + 60 s) / 60⌉ minutes, memory = ⌈1.5 · peak RSS / 1024⌉ MB (peak RSS in KiB).
    package init(measured: RunMeasurement) {
        timeMinutes = Int(((2 * measured.wallSeconds + 60) / 60).rounded(.up))
        memoryMB = Int((1.5 * Double(measured.peakResidentKiB) / 1024).rounded(.up))
    }
}
