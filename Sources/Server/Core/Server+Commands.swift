// Every command family's handlers, gathered into the one table dispatch and COMMAND read.

extension Server {
    static var commandHandlers: [String: CommandHandler] {
        var all: [String: CommandHandler] = [:]
        for family in [StringCommands.handlers, KeyCommands.handlers, ExpireCommands.handlers,
                       ServerCommands.handlers, ConnectionCommands.handlers, ClientCommand.handlers,
                       ObjectCommand.handlers, InfoCommand.handlers, ConfigCommand.handlers,
                       CommandCommand.handlers, DebugCommand.handlers, HashCommands.handlers, SetCommands.handlers,
                       SortedSetCommands.handlers, ListCommands.handlers, SortCommand.handlers,
                       MemoryCommand.handlers, TransactionCommands.handlers,
                       TrackingCommands.handlers, PubSubCommands.handlers, DumpRestoreCommands.handlers, SaveCommand.handlers,
                       PersistenceCommands.handlers, AOFCommands.handlers, SyncCommands.handlers,
                       ReplicaOfCommand.handlers, WaitCommand.handlers,
                       EvalCommands.handlers, FunctionCommands.handlers, StreamCommands.handlers,
                       BitmapCommands.handlers, HyperLogLogCommands.handlers,
                       SlowLogCommand.handlers, LatencyCommand.handlers, ClusterCommands.handlers,
                       ModuleCommand.handlers, LolwutCommand.handlers, StreamReadCommands.handlers,
                       StreamGroupCommands.handlers, StreamAckCommands.handlers, StreamClaimCommands.handlers, StreamInfoCommand.handlers,
                       GeoCommands.handlers, FailoverCommand.handlers, MigrateCommand.handlers, ACLCommand.handlers] {
            all.merge(family) { first, _ in first }
        }
        return all
    }

    /// enable-debug-command: "yes", "local" (loopback peers only) or "no".
    func debugAllowed(for client: Client) -> Bool {
        protectedActionAllowed(settings.enableDebugCommand, for: client)
    }

    /// allowProtectedAction: "yes", "local" (loopback peers only) or "no".
    func protectedActionAllowed(_ setting: String, for client: Client) -> Bool {
        switch setting {
        case "yes": return true
        case "local": return client.isLocal
        default: return false
        }
    }
}
