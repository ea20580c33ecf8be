@testable import Config
import FuzzSupport

// redis.conf text as the server reads it at startup (ConfigStore.load: lines, sdssplitargs
// quoting, every directive's value parser, the checks after the file), then CONFIG GET * over
// the result; and each line's words as a CONFIG SET on a fresh store, then its CONFIG GET. Directives that reach
// the file system (include, dir's chdir, logfile's fopen) are blanked first, so that the
// fuzzer cannot read a device, change directory or create files.

let fileSystemDirectives: Set<String> = ["include", "dir", "logfile"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = Array(UnsafeRawBufferPointer(start: data, count: size))
    var safe: [UInt8] = []
    var settings: [(String, String)] = []
    for line in text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        let words = ConfigText.splitArgs(ConfigText.trimmed(line))
        if let name = words?.first.map(ConfigText.lowercased), fileSystemDirectives.contains(name) {
            safe.append(UInt8(ascii: "#"))
        } else {
            safe += line
            if let words, words.count >= 2 { settings.append((words[0], words.dropFirst().joined(separator: " "))) }
        }
        safe.append(UInt8(ascii: "\n"))
    }
    safe.removeLast()
    let store = ConfigStore()
    if (try? store.load(content: safe)) != nil {
        for (name, value) in store.getMatching(["*"]) {
            check(store.get(name) == value, "CONFIG GET \(name) disagrees with CONFIG GET *")
        }
    }
    // CONFIG GET of what each CONFIG SET changed (the rest is at its default, whose text the
    // loaded store's CONFIG GET * already produced).
    let fresh = ConfigStore()
    for (name, value) in settings.prefix(64) where fresh.set([(name, value)]) == nil { _ = fresh.get(name) }
    return 0
}
