import CLua
import Config
import Lua

// The libraries of FUNCTION LOAD (functions.c, Redis 7.0): each library is its code and the
// functions its load registered; one context maps library names and function names (these
// case-insensitively, as Redis's functionDictType) to them. All libraries share one Lua
// interpreter, the functions' own (FunctionInterpreter.swift); a function is a reference into
// its registry. FUNCTION RESTORE and the RDB build a separate context and join it.

/// A function registered by a library (functionInfo).
final class LibraryFunction {
    let name: String
    /// luaL_ref into the functions interpreter's registry.
    let reference: Int32
    let description: [UInt8]?
    let flags: ScriptFlags
    unowned(unsafe) var library: FunctionLibrary

    init(name: String, reference: Int32, description: [UInt8]?, flags: ScriptFlags, library: FunctionLibrary) {
        self.name = name
        self.reference = reference
        self.description = description
        self.flags = flags
        self.library = library
    }
}

/// functionLibInfo: the code as loaded (shebang included: what DUMP, the RDB and the AOF keep).
final class FunctionLibrary {
    let name: String
    let code: [UInt8]
    /// In registration order; names are unique within the library (case-sensitively).
    var functions: [LibraryFunction] = []

    init(name: String, code: [UInt8]) {
        self.name = name
        self.code = code
    }
}

/// functionsLibCtx.
final class LibraryContext {
    var libraries: [String: FunctionLibrary] = [:]
    /// By lowercased name.
    var functions: [String: LibraryFunction] = [:]

    var functionCount: Int { functions.count }

    /// Libraries in a stable order (Redis's is its dict's, which varies from run to run).
    var sortedLibraries: [FunctionLibrary] { libraries.values.sorted { $0.name < $1.name } }

    func link(_ library: FunctionLibrary) {
        for function in library.functions { functions[function.name.lowercased()] = function }
        libraries[library.name] = library
        lastFunction = nil
    }

    func unlink(_ library: FunctionLibrary) {
        for function in library.functions { functions[function.name.lowercased()] = nil }
        libraries[library.name] = nil
        lastFunction = nil
    }

    /// The function FCALL names, case-insensitively. The last one found is kept with its
    /// lowercased name, so calling the same function again builds no String (names are
    /// letters, digits and underscores: an ASCII comparison is exact).
    func function(named name: UnsafeRawBufferPointer) -> LibraryFunction? {
        if let last = lastFunction, name.count == lastName.count, matchesLastName(name) { return last }
        guard let found = functions[String(decoding: name, as: UTF8.self).lowercased()] else { return nil }
        lastName = Array(found.name.lowercased().utf8)
        lastFunction = found
        return found
    }

    private var lastName: [UInt8] = []

    /// `name`, ASCII-lowercased, equals lastName (of the same length).
    private func matchesLastName(_ name: UnsafeRawBufferPointer) -> Bool {
        lastName.withUnsafeBufferPointer { last in
            for index in 0..<last.count {
                let byte = name[index]
                if (byte >= 65 && byte <= 90 ? byte | 0x20 : byte) != last[index] { return false }
            }
            return true
        }
    }
    private var lastFunction: LibraryFunction?
}

struct FunctionLoadError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

final class FunctionLibraries {
    private(set) var interpreter: FunctionInterpreter
    private(set) var current = LibraryContext()
    unowned(unsafe) let server: Server

    init(server: Server) {
        self.server = server
        interpreter = FunctionInterpreter(engine: server.scripting)
    }

    var lua: LuaInterpreter { interpreter.lua }

    func function(named name: UnsafeRawBufferPointer) -> LibraryFunction? { current.function(named: name) }

    /// functionsCreateWithLibraryCtx: compiles and runs `code`, linking the library into
    /// `context` (the current one by default); its name, or the error text (without "ERR ").
    /// `timeLimited`: the load may run for 500 ms (a client's FUNCTION LOAD; not a master's, the
    /// AOF's, an RDB's or a RESTORE).
    @discardableResult
    func create(_ code: [UInt8], replace: Bool, into context: LibraryContext? = nil, timeLimited: Bool = false) throws -> String {
        let context = context ?? current
        let metadata = try LibraryMetadata.parse(code)
        guard FunctionLibraries.isValidName(metadata.name) else {
            throw FunctionLoadError("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
        }
        guard metadata.engine.lowercased() == "lua" else {
            throw FunctionLoadError("Engine '\(metadata.engine)' not found")
        }
        let old = context.libraries[metadata.name]
        if old != nil && !replace { throw FunctionLoadError("Library '\(metadata.name)' already exists") }
        if let old { context.unlink(old) }
        let library = FunctionLibrary(name: metadata.name, code: code)
        do {
            try interpreter.load(library, body: code[metadata.bodyStart...], timeLimited: timeLimited)
            if library.functions.isEmpty { throw FunctionLoadError("No functions registered") }
            for function in library.functions where context.functions[function.name.lowercased()] != nil {
                throw FunctionLoadError("Function \(function.name) already exists")
            }
        } catch {
            interpreter.release(library)
            if let old { context.link(old) }
            throw error
        }
        context.link(library)
        if let old { interpreter.release(old) }
        return library.name
    }

    /// libraryJoin: every library of `source` into the current context; with `replace` a
    /// library of the same name goes, otherwise it is an error. Nothing changes on an error.
    func join(_ source: LibraryContext, replace: Bool) throws {
        var replaced: [FunctionLibrary] = []
        func revert() { for library in replaced { current.link(library) } }
        for library in source.sortedLibraries {
            guard let old = current.libraries[library.name] else { continue }
            guard replace else {
                revert()
                throw FunctionLoadError("Library \(library.name) already exists")
            }
            current.unlink(old)
            replaced.append(old)
        }
        for function in source.functions.values.sorted(by: { $0.name < $1.name })
        where current.functions[function.name.lowercased()] != nil {
            revert()
            throw FunctionLoadError("Function \(function.name) already exists")
        }
        for library in source.libraries.values { current.link(library) }
        source.libraries.removeAll()
        source.functions.removeAll()
        for library in replaced { interpreter.release(library) }
    }

    /// Drops a context that was never joined (a failed RESTORE), with its functions.
    func discard(_ context: LibraryContext) {
        for library in context.libraries.values { interpreter.release(library) }
        context.libraries.removeAll()
        context.functions.removeAll()
    }

    /// FUNCTION DELETE.
    func delete(_ name: String) -> Bool {
        guard let library = current.libraries[name] else { return false }
        current.unlink(library)
        interpreter.release(library)
        return true
    }

    /// functionsLibCtxClearCurrent: no libraries, and a new interpreter (as Redis re-creates the
    /// engine).
    func flush() {
        current = LibraryContext()
        interpreter = FunctionInterpreter(engine: server.scripting)
    }

    /// FUNCTION RESTORE FLUSH: `context` becomes the current one.
    func swapCurrent(with context: LibraryContext) {
        for library in current.libraries.values { interpreter.release(library) }
        current = context
    }

    /// functionsVerifyName: [a-zA-Z0-9_]+.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95
        }
    }

    /// The codes of every library, for the RDB, DUMP and the AOF rewrite.
    var libraryCodes: [[UInt8]] { current.sortedLibraries.map(\.code) }

    /// functionsMemoryEngine: an estimate of the structures' size, in the spirit of Redis's
    /// (dicts, the context, each function and library with its strings).
    var overheadBytes: Int {
        var total = 256 + 96
        for library in current.libraries.values {
            total += 64 + library.name.utf8.count + 9 + library.code.count + 9
            for function in library.functions {
                total += 64 + 16 + function.name.utf8.count + 9 + (function.description.map { $0.count + 9 } ?? 0)
            }
        }
        return total
    }
}

/// functionExtractLibMetaData: `#!<engine> name=<library>` on the first line.
struct LibraryMetadata {
    let engine: String
    let name: String
    /// Where the code after the shebang line starts (its newline included, so line numbers
    /// are the user's).
    let bodyStart: Int

    static func parse(_ code: [UInt8]) throws -> LibraryMetadata {
        guard code.starts(with: "#!".utf8) else { throw FunctionLoadError("Missing library metadata") }
        guard let newline = code.firstIndex(of: 10) else { throw FunctionLoadError("Invalid library metadata") }
        guard let parts = ConfigText.splitArgs(code[0..<newline]), !parts.isEmpty else {
            throw FunctionLoadError("Invalid library metadata")
        }
        let engine = String(parts[0].dropFirst(2))
        var name: String?
        for part in parts.dropFirst() {
            let text = part
            if text.count >= 5 && text.prefix(5).lowercased() == "name=" {
                if name != nil { throw FunctionLoadError("Invalid metadata value, name argument was given multiple times") }
                name = String(text.dropFirst(5))
                continue
            }
            throw FunctionLoadError("Invalid metadata value given: \(text)")
        }
        guard let name else { throw FunctionLoadError("Library name was not given") }
        return LibraryMetadata(engine: engine, name: name, bodyStart: newline)
    }
}
