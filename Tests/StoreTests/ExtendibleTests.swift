import Foundation
import Testing
import Store

@Suite("Extendible datasets")
struct ExtendibleTests {
    @Test("append N rows, reopen read-only, read [N, rowShape...] exactly; reopen writable and append more")
    func appendReopenAppend() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "series.h5")
            func row(_ step: Int) -> [Float] { (0..<6).map { Float(step * 10 + $0) + 0.5 } }
            do {
                let h5 = try H5File.create(file)
                let writer = try h5.root.createExtendible("geffect/forget/total", rowShape: [2, 3], of: Float.self)
                try writer.dataset.setAttribute("columns", ["a", "b", "c"])
                #expect(writer.rowCount == 0)
                #expect(try writer.dataset.shape() == [0, 2, 3])
                for step in 0..<25 { try writer.append(row(step)) }
                #expect(writer.rowCount == 25)
                #expect(writer.rowLength == 6)
            }
            do {
                let h5 = try H5File.open(file)
                let (values, shape) = try h5.root.read("geffect/forget/total", as: Float.self)
                #expect(shape == [25, 2, 3])
                #expect(values == (0..<25).flatMap(row))
                #expect(try h5.root.dataset("geffect/forget/total").stringArrayAttribute("columns") == ["a", "b", "c"])
                // A read-only file cannot be appended to.
                let error = #expect(throws: StoreError.self) {
                    try h5.root.openExtendible("geffect/forget/total", of: Float.self)
                }
                #expect(error?.description == "\(file): /geffect/forget/total: the file is open read-only")
            }
            do {
                let h5 = try H5File.open(file, writable: true)
                let writer = try h5.root.openExtendible("geffect/forget/total", of: Float.self)
                #expect(writer.rowCount == 25)
                #expect(writer.rowShape == [2, 3])
                for step in 25..<40 { try writer.append(row(step)) }
            }
            let h5 = try H5File.open(file)
            let (values, shape) = try h5.root.read("geffect/forget/total", as: Float.self)
            #expect(shape == [40, 2, 3])
            #expect(values == (0..<40).flatMap(row))
        }
    }

    @Test("scalar rows, every element type, and gzip off")
    func scalarRowsAndTypes() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "scalars.h5")
            do {
                let h5 = try H5File.create(file)
                let loss = try h5.root.createExtendible("loss", rowShape: [], of: Double.self, gzip: 0)
                let steps = try h5.root.createExtendible("step", rowShape: [], of: Int64.self, chunkRows: 3)
                let ids = try h5.root.createExtendible("ids", rowShape: [4], of: Int32.self, chunkRows: 1, gzip: 9)
                let mask = try h5.root.createExtendible("mask", rowShape: [3], of: UInt8.self)
                let ints = try h5.root.createExtendible("ints", rowShape: [2], of: Int.self)
                for i in 0..<10 {
                    try loss.append([Double(i) / 10])
                    try steps.append([Int64(i) * 100])
                    try ids.append([Int32(i), -1, 2, 3])
                    try mask.append([1, 0, UInt8(i)])
                    try ints.append([i, -i])
                }
            }
            let h5 = try H5File.open(file)
            #expect(try h5.root.read("loss", as: Double.self).values == (0..<10).map { Double($0) / 10 })
            #expect(try h5.root.read("loss", as: Double.self).shape == [10])
            #expect(try h5.root.read("step", as: Int64.self).values == (0..<10).map { Int64($0) * 100 })
            #expect(try h5.root.read("ids", as: Int32.self).shape == [10, 4])
            #expect(try h5.root.read("ids", as: Int32.self).values == (0..<10).flatMap { [Int32($0), -1, 2, 3] })
            #expect(try h5.root.read("mask", as: UInt8.self).values == (0..<10).flatMap { [1, 0, UInt8($0)] })
            #expect(try h5.root.read("ints", as: Int.self).values == (0..<10).flatMap { [$0, -$0] })
        }
    }

    @Test("a row of the wrong size throws, writes nothing and leaves the row count unchanged")
    func wrongRowSize() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "run.h5")
            let h5 = try H5File.create(file)
            let writer = try h5.root.createExtendible("geffect/forget/total", rowShape: [6], of: Double.self)
            try writer.append([1, 2, 3, 4, 5, 6])
            let error = #expect(throws: StoreError.self) { try writer.append([1, 2, 3, 4, 5, 6, 7]) }
            #expect(
                error
                    == .shapeMismatch(
                        file: file, object: "/geffect/forget/total",
                        detail: "row has 7 values, expected 6"))
            #expect(error?.description == "\(file): /geffect/forget/total: row has 7 values, expected 6")
            #expect(throws: StoreError.self) { try writer.append([]) }
            #expect(writer.rowCount == 1)
            #expect(try writer.dataset.shape() == [1, 6])
            try writer.append([7, 8, 9, 10, 11, 12])
            #expect(try writer.dataset.read(as: Double.self).values == (1...12).map(Double.init))
        }
    }

    @Test("rows are on disk after each append, before the file is closed")
    func flushedEachAppend() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "live.h5")
            let h5 = try H5File.create(file)
            let writer = try h5.root.createExtendible("x", rowShape: [3], of: Float.self)
            try writer.append([1, 2, 3])
            try writer.append([4, 5, 6])
            // Copy the file as it is on disk while the writer still holds it open: the copy is a
            // complete HDF5 file holding both rows.
            let copy = path(directory, "copy.h5")
            try FileManager.default.copyItem(atPath: file, toPath: copy)
            let snapshot = try H5File.open(copy)
            #expect(try snapshot.root.read("x", as: Float.self).shape == [2, 3])
            #expect(try snapshot.root.read("x", as: Float.self).values == [1, 2, 3, 4, 5, 6])
            _ = writer
        }
    }

    @Test("chunk shapes: default fills ~64 KiB, explicit rows are kept, nothing exceeds 1 MiB")
    func chunkShapes() {
        #expect(H5Group.chunkShape(rowShape: [], elementSize: 8, chunkRows: nil) == [1024])
        #expect(H5Group.chunkShape(rowShape: [6], elementSize: 4, chunkRows: nil) == [1024, 6])
        #expect(H5Group.chunkShape(rowShape: [1000], elementSize: 4, chunkRows: nil) == [16, 1000])
        #expect(H5Group.chunkShape(rowShape: [4, 5], elementSize: 8, chunkRows: 7) == [7, 4, 5])
        #expect(H5Group.chunkShape(rowShape: [1000], elementSize: 4, chunkRows: 100_000) == [262, 1000])
        let big = H5Group.chunkShape(rowShape: [1000, 1000], elementSize: 4, chunkRows: nil)
        #expect(big[0] == 1)
        #expect(big.reduce(4, *) <= H5Group.maxChunkBytes)
    }

    @Test("bad arguments and non-extendible datasets are refused")
    func badArguments() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "bad.h5")
            let h5 = try H5File.create(file)
            #expect(throws: StoreError.self) { try h5.root.createExtendible("a", rowShape: [0], of: Float.self) }
            #expect(throws: StoreError.self) { try h5.root.createExtendible("a", rowShape: [2], of: Float.self, gzip: 10) }
            #expect(throws: StoreError.self) { try h5.root.createExtendible("a", rowShape: [2], of: Float.self, chunkRows: 0) }
            #expect(!h5.root.contains("a"))
            try h5.root.write("fixed", [Float(1), 2])
            let notExtendible = #expect(throws: StoreError.self) { try h5.root.openExtendible("fixed", of: Float.self) }
            guard case .shapeMismatch = notExtendible else { Issue.record("got \(String(describing: notExtendible))"); return }
            _ = try h5.root.createExtendible("e", rowShape: [2], of: Float.self)
            let wrongType = #expect(throws: StoreError.self) { try h5.root.openExtendible("e", of: Double.self) }
            #expect(wrongType == .typeMismatch(file: file, object: "/e", expected: "float64", found: "float32"))
            #expect(throws: StoreError.self) { try h5.root.createExtendible("e", rowShape: [2], of: Float.self) }
        }
    }
}
