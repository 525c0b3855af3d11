import Foundation
import Testing
import Store

@Suite("Fixed datasets")
struct DatasetTests {
    /// Writes `values` with `shape`, reopens the file read-only and reads them back.
    func roundTrip<T: H5Element & Equatable>(_ values: [T], shape: [Int]?, in directory: URL) throws -> (
        values: [T], shape: [Int], type: H5ElementType?
    ) {
        let file = path(directory, "\(T.self)-\(UUID().uuidString).h5")
        do {
            let h5 = try H5File.create(file)
            try h5.root.write("data", values, shape: shape)
        }
        let h5 = try H5File.open(file)
        let read = try h5.root.read("data", as: T.self)
        return (read.values, read.shape, try h5.root.dataset("data").elementType())
    }

    @Test("every element type round-trips in 1-D, 2-D, 3-D, scalar and empty shapes")
    func everyElementType() throws {
        try withTemporaryDirectory { directory in
            func check<T: H5Element & Equatable>(_ make: (Int) -> T) throws {
                let shapes: [[Int]] = [[7], [2, 3], [2, 3, 4], [], [0], [3, 0]]
                for shape in shapes {
                    let values = (0..<shape.reduce(1, *)).map(make)
                    let read = try roundTrip(values, shape: shape, in: directory)
                    #expect(read.values == values, "\(T.self) \(shape)")
                    #expect(read.shape == shape, "\(T.self) \(shape)")
                    #expect(read.type == T.elementType)
                }
                // Default shape: 1-D.
                let values = (0..<5).map(make)
                #expect(try roundTrip(values, shape: nil, in: directory).shape == [5])
            }
            try check { Float($0) * 0.25 - 1 }
            try check { Double($0) / 3 }
            try check { Int32($0) - 3 }
            try check { Int64($0) * 1_000_000_000_000 - 5 }
            try check { UInt8(truncatingIfNeeded: $0 * 37) }
            try check { $0 * -3 }
        }
    }

    @Test("special floating-point values survive")
    func specialFloats() throws {
        try withTemporaryDirectory { directory in
            let values: [Float] = [.infinity, -.infinity, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0]
            #expect(try roundTrip(values, shape: nil, in: directory).values == values)
            let nan = try roundTrip([Double.nan], shape: nil, in: directory).values
            #expect(nan[0].isNaN)
        }
    }

    @Test("string datasets round-trip, including empty and non-ASCII strings")
    func strings() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "strings.h5")
            let strings = ["hello", "", "Grüße", "日本語のテキスト", "emoji 🙂👍", " padded  ", String(repeating: "long ", count: 2000)]
            do {
                let h5 = try H5File.create(file)
                try h5.root.write("tokens", strings)
                try h5.root.write("none", [String]())
            }
            let h5 = try H5File.open(file)
            #expect(try h5.root.readStrings("tokens") == strings)
            #expect(try h5.root.readStrings("none") == [])
            #expect(try h5.root.dataset("tokens").shape() == [strings.count])
            #expect(try h5.root.dataset("tokens").elementType() == .string)
        }
    }

    @Test("groups nest; datasets create their parents; members list sorted")
    func groupsAndMembers() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "groups.h5")
            do {
                let h5 = try H5File.create(file)
                let b = try h5.root.createGroup("a/b")
                #expect(b.path == "/a/b")
                try b.write("z", [Int32(1)])
                try b.write("y", [Int32(2)])
                try h5.root.write("geffect/forget/total", [1.0, 2.0])
                try h5.root.createGroup("c")
                #expect(try h5.root.groupCreatingIfNeeded("c").path == "/c")
                #expect(try h5.root.groupCreatingIfNeeded("c/d/e").path == "/c/d/e")
            }
            let h5 = try H5File.open(file)
            #expect(try h5.root.memberNames() == ["a", "c", "geffect"])
            #expect(try h5.root.group("a").memberNames() == ["b"])
            #expect(try h5.root.group("a/b").memberNames() == ["y", "z"])
            #expect(try h5.root.group("a").group("b").read("z", as: Int32.self).values == [1])
            #expect(try h5.root.read("geffect/forget/total", as: Double.self).values == [1, 2])
            #expect(try h5.root.dataset("geffect/forget/total").path == "/geffect/forget/total")
            #expect(h5.root.contains("a/b/z"))
            #expect(h5.root.contains("c/d/e"))
            #expect(!h5.root.contains("a/x/z"))
            #expect(!h5.root.contains("nope"))
            #expect(!h5.root.contains(""))
            #expect(try h5.root.kind(of: "a") == .group)
            #expect(try h5.root.kind(of: "a/b/y") == .dataset)
        }
    }

    @Test("no group, dataset or attribute handles are left open")
    func noHandleLeaks() throws {
        try withTemporaryDirectory { directory in
            let file = path(directory, "leaks.h5")
            let h5 = try H5File.create(file)
            do {
                let group = try h5.root.createGroup("g/h")
                try group.setAttribute("s", ["x", "y"])
                try group.setAttribute("i", 3)
                let dataset = try group.write("d", [Float](repeating: 1, count: 6), shape: [2, 3])
                try dataset.setAttribute("unit", "nats")
                try group.write("s", ["a", "b"])
                let writer = try group.createExtendible("e", rowShape: [2], of: Double.self)
                try writer.append([1, 2])
                _ = try? writer.append([1])
                _ = try group.read("d", as: Float.self)
                _ = try? group.read("d", as: Double.self)
                _ = try? group.read("missing", as: Double.self)
                _ = try group.readStrings("s")
                _ = try group.stringArrayAttribute("s")
                _ = try? group.intAttribute("s")
                _ = try h5.root.memberNames()
                _ = try group.attributeNames()
            }
            #expect(h5.openHandleCount == 1)
        }
    }
}
