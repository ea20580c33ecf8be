import Persistence

// The libraries' serialized forms (Redis 7.0): in an RDB and in a FUNCTION DUMP payload each
// library is the FUNCTION2 opcode and its code as an RDB string (rdbSaveFunctions); a payload
// ends with the RDB version and a CRC64, as DUMP's. In a command-form AOF rewrite each library is
// a FUNCTION LOAD before the keys (rewriteFunctions).

enum FunctionPayload {
    /// functionDumpCommand.
    static func dump(_ codes: [[UInt8]], compression: Bool) -> [UInt8] {
        let w = RDBWriter(compression: compression)
        RDBFileWriter.writeFunctions(codes, to: w)
        w.byte(UInt8(RDBFormat.writtenVersion & 0xFF))
        w.byte(UInt8(RDBFormat.writtenVersion >> 8))
        w.littleEndian64(w.finishChecksum())
        return w.buffer
    }

    /// The codes in a verified payload (functionRestoreCommand's loop), or the error.
    static func libraryCodes(inPayload payload: UnsafeRawBufferPointer) throws -> [[UInt8]] {
        let reader = RDBReader([UInt8](payload), end: payload.count - 10)
        var codes: [[UInt8]] = []
        while reader.remaining > 0 {
            let type = try? reader.byte("a type")
            if type == RDBFormat.opFunction { throw FunctionLoadError("Pre-GA function format not supported") }
            guard type == RDBFormat.opFunction2 else { throw FunctionLoadError("given type is not a function") }
            guard let code = try? reader.string("a library") else { throw FunctionLoadError("Failed loading library payload") }
            codes.append(code)
        }
        return codes
    }
}

extension Server {
    /// rdbFunctionLoad's create, for the RDB loader: a library read from an RDB joins the
    /// current ones (replacing one of the same name with RDBFLAGS_ALLOW_DUP); nil or the error.
    func loadFunctionFromRDB(_ code: [UInt8], replace: Bool) -> String? {
        do {
            try functions.create(code, replace: replace)
            return nil
        } catch {
            return (error as? FunctionLoadError)?.message ?? "\(error)"
        }
    }

    /// rewriteFunctions: `FUNCTION LOAD <code>` per library.
    func writeFunctionLoads(_ out: inout AOFCommandWriter) {
        for code in functions.libraryCodes {
            out.header(3)
            out.bulk("FUNCTION")
            out.bulk("LOAD")
            code.withUnsafeBytes { out.bulk($0) }
        }
    }
}
