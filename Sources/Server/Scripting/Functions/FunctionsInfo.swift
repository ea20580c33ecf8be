// INFO memory's function fields (Redis 7.0's genRedisInfoString): the libraries' counts, the
// functions interpreter's memory, and the totals that add EVAL's figures to it.

extension Server {
    func addFunctionsMemoryFields(_ add: (String, Any) -> Void) {
        let vmFunctions = functions.lua.memoryBytes
        let vmEval = scripting.lua.memoryBytes
        let overhead = functions.overheadBytes
        let scriptsEval = scripting.scriptsMemoryBytes
        add("number_of_functions", functions.current.functionCount)
        add("number_of_libraries", functions.current.libraries.count)
        add("used_memory_vm_functions", vmFunctions)
        add("used_memory_vm_total", vmEval + vmFunctions)
        add("used_memory_vm_total_human", MemoryFigures.human(Int64(vmEval + vmFunctions)))
        add("used_memory_functions", overhead)
        add("used_memory_scripts", scriptsEval + overhead)
        add("used_memory_scripts_human", MemoryFigures.human(Int64(scriptsEval + overhead)))
    }
}
