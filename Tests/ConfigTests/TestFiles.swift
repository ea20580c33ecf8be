// Scratch files for config tests. Paths are absolute because the `dir` directive changes the
// process's working directory and tests run in parallel.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory under /tmp, removed (with the flat files in it) when the test drops it.
final class TestDirectory {
    let path: String

    init() {
        var template = Array("/tmp/apus-config-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: template)
    }

    deinit {
        guard let directory = opendir(path) else { return }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { unlink(path + "/" + name) }
        }
        closedir(directory)
        rmdir(path)
    }

    /// Writes `text` to `name` inside the directory and returns the absolute path.
    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let file = path + "/" + name
        guard let handle = fopen(file, "w") else { fatalError("cannot write \(file)") }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        fclose(handle)
        return file
    }

    func read(_ name: String) -> String {
        let file = name.hasPrefix("/") ? name : path + "/" + name
        guard let handle = fopen(file, "r") else { return "<missing>" }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

func currentDirectory() -> String {
    var buffer = [CChar](repeating: 0, count: 1024)
    _ = getcwd(&buffer, buffer.count)
    return String(cString: buffer)
}
