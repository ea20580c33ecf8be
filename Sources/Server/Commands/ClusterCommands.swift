// CLUSTER, ASKING, READONLY and READWRITE as a redis-server with `cluster-enabled no` answers
// them: every subcommand refuses, after the command table's arity checks. Apus has no Cluster
// protocol yet.

enum ClusterCommands {
    static let subcommands = [
        "addslots", "addslotsrange", "bumpepoch", "count-failure-reports", "countkeysinslot", "delslots",
        "delslotsrange", "failover", "flushslots", "forget", "getkeysinslot", "help", "info", "keyslot", "links",
        "meet", "myid", "nodes", "replicas", "replicate", "reset", "saveconfig", "set-config-epoch", "setslot",
        "shards", "slaves", "slots",
    ]

    static var handlers: [String: CommandHandler] {
        var all: [String: CommandHandler] = ["asking": disabled, "readonly": disabled, "readwrite": disabled]
        for name in subcommands { all["cluster|" + name] = disabled }
        return all
    }

    static func disabled(_ c: Client) { c.error(ErrorText.clusterDisabled) }
}

// MODULE: Apus loads no C modules, so LIST is empty and LOAD/LOADEX/UNLOAD fail as Redis's do
// when loading fails (they are also gated by enable-module-command, as in Redis).

enum ModuleCommand {
    static let handlers: [String: CommandHandler] = [
        "module|list": { $0.reply.emptyArray() },
        "module|load": loadFailed, "module|loadex": loadFailed,
        "module|unload": { $0.error("ERR Error unloading module: no such module with that name") },
        "module|help": { ObjectCommand.replyHelp($0, HelpText.module) },
    ]

    static func loadFailed(_ c: Client) {
        c.server.logger.warning("Module \(c.argString(2)) failed to load: Apus does not load C modules")
        c.error("ERR Error loading the extension. Please check the server logs.")
    }
}
