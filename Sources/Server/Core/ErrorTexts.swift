// Redis's error replies, word for word, in one place (Redis keeps most in shared.* objects).

enum ErrorText {
    static let syntax: StaticString = "ERR syntax error"
    static let wrongType: StaticString = "WRONGTYPE Operation against a key holding the wrong kind of value"
    static let notInteger: StaticString = "ERR value is not an integer or out of range"
    static let notFloat: StaticString = "ERR value is not a valid float"
    static let noSuchKey: StaticString = "ERR no such key"
    static let aofRewriteInProgress: StaticString = "ERR Background append only file rewriting already in progress"
    static let aofRewriteFailed: StaticString = "ERR Can't execute an AOF background rewriting. Please check the server logs for more information."
    static let dbIndexOutOfRange: StaticString = "ERR DB index is out of range"
    static let overflow: StaticString = "ERR increment or decrement would overflow"
    static let stringTooLong: StaticString = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
    static let offsetOutOfRange: StaticString = "ERR offset is out of range"
    static let sameObject: StaticString = "ERR source and destination objects are the same"
    static let nanOrInfinity: StaticString = "ERR increment would produce NaN or Infinity"
    static let timeoutNotPositive: StaticString = "ERR timeout is not a float or out of range"
    static let noAuth = "NOAUTH Authentication required."
    static let loading = "LOADING Redis is loading the dataset in memory"
    static let debugNotAllowed = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
    static let notAllowedInMulti = "ERR Command not allowed inside a transaction"
    static let execAbort: StaticString = "EXECABORT Transaction discarded because of previous errors."
    static let execWithoutMulti: StaticString = "ERR EXEC without MULTI"
    static let discardWithoutMulti: StaticString = "ERR DISCARD without MULTI"
    static let nestedMulti: StaticString = "ERR MULTI calls can not be nested"
    static let watchInsideMulti: StaticString = "ERR WATCH inside MULTI is not allowed"
    static let ssubscribeDenyBlocking: StaticString = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"
    static let noSuchClient: StaticString = "ERR No such client"
    static let clientIDNotPositive: StaticString = "ERR client-id should be greater than 0"
    static let replicaKeyspace = "ERR Replica can't interact with the keyspace"
    static let monitorDenyBlocking: StaticString = "ERR MONITOR isn't allowed for DENY BLOCKING client"
    static let pauseMode: StaticString = "ERR CLIENT PAUSE mode must be WRITE or ALL"
    static let timeoutNotInteger: StaticString = "ERR timeout is not an integer or out of range"
    static let bgsaveInProgress: StaticString = "ERR Background save already in progress"
    static let bgsaveOtherChild: StaticString = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."
    static let bgsaveError = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
    static let timeoutNegative: StaticString = "ERR timeout is negative"

    static func unknownClientType(_ name: String) -> String { "ERR Unknown client type '\(name)'" }

    static func noSuchUser(_ name: String) -> String { "ERR No such user '\(name)'" }

    static func onlySubscribeCommands(_ fullName: String) -> String {
        "ERR Can't execute '\(fullName)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
    }

    // Streams (t_stream.c).
    static let invalidStreamID: StaticString = "ERR Invalid stream ID specified as stream command argument"
    static let xaddIDTooSmall: StaticString = "ERR The ID specified in XADD is equal or smaller than the target stream top item"
    static let xaddIDZero: StaticString = "ERR The ID specified in XADD must be greater than 0-0"
    static let streamExhausted: StaticString = "ERR The stream has exhausted the last possible ID, unable to add more items"
    static let streamElementsTooLarge: StaticString = "ERR Elements are too large to be stored"
    static let maxlenAndMinid: StaticString = "ERR syntax error, MAXLEN and MINID options at the same time are not compatible"
    static let maxlenNegative: StaticString = "ERR The MAXLEN argument must be >= 0."
    static let limitNegative: StaticString = "ERR The LIMIT argument must be >= 0."
    static let limitWithoutStrategy: StaticString = "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"
    static let limitWithoutApproximate: StaticString = "ERR syntax error, LIMIT cannot be used without the special ~ option"
    static let xtrimWithoutStrategy: StaticString = "ERR syntax error, XTRIM must be called with a trimming strategy"
    static let invalidIntervalStart: StaticString = "ERR invalid start ID for the interval"
    static let invalidIntervalEnd: StaticString = "ERR invalid end ID for the interval"
    static let entriesAddedNegative: StaticString = "ERR entries_added must be positive"
    static let xsetidBelowGivenMaxDeleted: StaticString = "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"
    static let xsetidBelowTop: StaticString = "ERR The ID specified in XSETID is smaller than the target stream top item"
    static let xsetidEntriesAddedBelowLength: StaticString = "ERR The entries_added specified in XSETID is smaller than the target stream length"

    // Stream reads (XREAD/XREADGROUP and their blocked readers).
    static let xreadUnbalanced: StaticString = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."
    static let xreadGroupOption: StaticString = "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead."
    static let xreadNoAckOption: StaticString = "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead."
    static let xreadgroupMissingGroup: StaticString = "ERR Missing GROUP option for XREADGROUP"
    static let xreadgroupDollarID: StaticString = "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."
    static let xreadGreaterID: StaticString = "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."
    static let blockedGroupDestroyed: StaticString = "NOGROUP the consumer group this client was blocked on no longer exists"
    static let blockedStreamDeleted: StaticString = "UNBLOCKED the stream key no longer exists"

    static func streamReadBlockInScript(_ command: String) -> String {
        "ERR \(command) command is not allowed with BLOCK option from scripts"
    }

    // Bitmaps (bitops.c).
    static let bitOffsetInvalid: StaticString = "ERR bit offset is not an integer or out of range"
    static let bitValueInvalid: StaticString = "ERR bit is not an integer or out of range"
    static let bitposBitInvalid: StaticString = "ERR The bit argument must be 1 or 0."
    static let bitopNotSingleKey: StaticString = "ERR BITOP NOT must be called with a single source key."
    static let bitfieldTypeInvalid: StaticString = "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."
    static let bitfieldOverflowInvalid: StaticString = "ERR Invalid OVERFLOW type specified"
    static let bitfieldReadOnly: StaticString = "ERR BITFIELD_RO only supports the GET subcommand"

    // Stream consumer groups: XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO (t_stream.c).
    static let xgroupKeyMissing: StaticString = "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."
    static let entriesReadNegative: StaticString = "ERR value for ENTRIESREAD must be positive or -1"
    static let busyGroup: StaticString = "BUSYGROUP Consumer Group name already exists"
    static let xclaimMinIdle: StaticString = "ERR Invalid min-idle-time argument for XCLAIM"
    static let xclaimIdle: StaticString = "ERR Invalid IDLE option argument for XCLAIM"
    static let xclaimTime: StaticString = "ERR Invalid TIME option argument for XCLAIM"
    static let xclaimRetryCount: StaticString = "ERR Invalid RETRYCOUNT option argument for XCLAIM"
    static let xautoclaimMinIdle: StaticString = "ERR Invalid min-idle-time argument for XAUTOCLAIM"
    static let xautoclaimCount: StaticString = "ERR COUNT must be > 0"

    // These hold names as the client sent them, bytes and all (Redis formats them with "%s"),
    // so they are bytes rather than Strings; Client.error(withNames:) sends them.

    /// XGROUP's and XINFO CONSUMERS's: the group is missing from an existing stream.
    static func noGroup(group: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer) -> [UInt8] {
        Array("NOGROUP No such consumer group '".utf8) + cString(group) + Array("' for key name '".utf8)
            + cString(key) + [UInt8(ascii: "'")]
    }

    /// XPENDING's, XCLAIM's and XAUTOCLAIM's: the key or the group is missing.
    static func noKeyOrGroup(key: UnsafeRawBufferPointer, group: UnsafeRawBufferPointer) -> [UInt8] {
        Array("NOGROUP No such key '".utf8) + cString(key) + Array("' or consumer group '".utf8)
            + cString(group) + [UInt8(ascii: "'")]
    }

    static func xclaimUnknownOption(_ option: UnsafeRawBufferPointer) -> [UInt8] {
        Array("ERR Unrecognized XCLAIM option '".utf8) + cString(option) + [UInt8(ascii: "'")]
    }

    /// A name printed with "%s": up to its first NUL byte.
    static func cString(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Array(bytes.prefix(while: { $0 != 0 }))
    }

    // HyperLogLog (hyperloglog.c).
    static let hllCorrupt: StaticString = "INVALIDOBJ Corrupted HLL object detected"
    static let hllNotValid: StaticString = "WRONGTYPE Key is not a valid HyperLogLog string value."
    static let hllNoKey: StaticString = "ERR The specified key does not exist"
    static let hllNotSparse: StaticString = "ERR HLL encoding is not sparse"

    static let clusterDisabled: StaticString = "ERR This instance has cluster support disabled"
    static let moduleNotAllowed = "ERR MODULE command not allowed. If the enable-module-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."

    // Geo (geo.c).
    static let geoUnsupportedUnit: StaticString = "ERR unsupported unit provided. please use M, KM, FT, MI"
    static let geoNeedNumericRadius: StaticString = "ERR need numeric radius"
    static let geoNeedNumericWidth: StaticString = "ERR need numeric width"
    static let geoNeedNumericHeight: StaticString = "ERR need numeric height"
    static let geoRadiusNegative: StaticString = "ERR radius cannot be negative"
    static let geoBoxNegative: StaticString = "ERR height or width cannot be negative"
    static let geoUndecodableMember: StaticString = "ERR could not decode requested zset member"
    static let geoCountNotPositive: StaticString = "ERR COUNT must be > 0"
    static let geoAnyWithoutCount: StaticString = "ERR the ANY argument requires COUNT argument"
    static let geoSearchStoreWithOptions: StaticString = "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
    static let geoRadiusStoreWithOptions: StaticString = "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options"

    /// extractLongLatOrReply: both values with "%f".
    static func geoInvalidPair(_ longitude: String, _ latitude: String) -> String {
        "ERR invalid longitude,latitude pair \(longitude),\(latitude)"
    }

    /// The command name as the client sent it.
    static func geoNeedsOneFrom(_ command: String) -> String {
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for \(command)"
    }

    static func geoNeedsOneBy(_ command: String) -> String {
        "ERR exactly one of BYRADIUS and BYBOX can be specified for \(command)"
    }

    static func wrongArity(_ fullName: String) -> String {
        "ERR wrong number of arguments for '\(fullName)' command"
    }

    static func invalidExpireTime(_ command: String) -> String {
        "ERR invalid expire time in '\(command)' command"
    }

    static func unknownSubcommand(_ subcommand: String, container: String) -> String {
        "ERR unknown subcommand '\(truncated(subcommand))'. Try \(container.uppercased()) HELP."
    }

    /// addReplySubcommandSyntaxError: the subcommand as sent, the container uppercased.
    static func subcommandSyntax(_ subcommand: String, container: String) -> String {
        "ERR unknown subcommand or wrong number of arguments for '\(truncated(subcommand))'. Try \(container.uppercased()) HELP."
    }

    /// Redis formats user text with "%.128s".
    static func truncated(_ text: String) -> String {
        let bytes = Array(text.utf8.prefix(while: { $0 != 0 }))
        return String(decoding: bytes.prefix(128), as: UTF8.self)
    }
}

extension ErrorText {
    // DUMP / RESTORE / SAVE (cluster.c, rdb.c).
    static let busyKey: StaticString = "BUSYKEY Target key name already exists."
    static let dumpPayloadInvalid: StaticString = "ERR DUMP payload version or checksum are wrong"
    static let badDataFormat: StaticString = "ERR Bad data format"
    static let invalidTTL: StaticString = "ERR Invalid TTL value, must be >= 0"
    static let invalidIdleTime: StaticString = "ERR Invalid IDLETIME value, must be >= 0"
    static let invalidFreq: StaticString = "ERR Invalid FREQ value, must be >= 0 and <= 255"
    /// shared.err: SAVE or DEBUG RELOAD could not write the file (the log says why).
    static let genericError: StaticString = "ERR"
    static let debugReloadOptions: StaticString = "ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."
    static let rdbLoadFailed: StaticString = "ERR Error trying to load the RDB dump"
    /// getPositiveLongFromObjectOrReply without a message (DEBUG POPULATE).
    static let valueNotPositive: StaticString = "ERR value is out of range, must be positive"
    static let debugNotSDS: StaticString = "ERR Not an sds encoded string."
    static let debugNotListpack: StaticString = "ERR Not a listpack encoded object."
    static let debugNotQuicklist: StaticString = "ERR Not a quicklist encoded object."
    static let debugDatabaseOutOfRange: StaticString = "ERR Out of range database"
    static let debugNotHashTable: StaticString = "ERR The value stored at the specified key is not represented using an hash table"
    static let debugPackedThreshold: StaticString = "ERR argument must be a memory value bigger than 1 and smaller than 4gb"
    static let debugClusterOnly: StaticString = "ERR Debug option only available for cluster mode enabled setup!"
    static let debugClientEvictionDisabled: StaticString = "ERR maxmemory-clients is disabled."
    static let debugRestartFailed: StaticString = "ERR failed to restart the server. Check server logs."
    static func debugConfigRewriteForceAll(_ reason: String) -> String { "ERR CONFIG-REWRITE-FORCE-ALL failed: \(reason)" }
    static func debugUnknownSubcommand(_ name: String) -> String {
        "ERR unknown subcommand or wrong number of arguments for '\(ErrorText.truncated(name))'. Try DEBUG HELP."
    }
}

// MARK: replication
extension ErrorText {
    static let syncWithoutMasterLink: StaticString = "NOMASTERLINK Can't SYNC while not connected with my master"
    static let syncWithPendingOutput: StaticString = "ERR SYNC and PSYNC are invalid with pending output"
    static let readOnlyReplica = "READONLY You can't write against a read only replica."
    static let masterDown = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
    static let noReplicas = "NOREPLICAS Not enough good replicas to write."
    static let waitOnReplica: StaticString = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated."
    static let replicaOfInClusterMode: StaticString = "ERR REPLICAOF not allowed in cluster mode."
    static let rdbOnlyRange: StaticString = "ERR value is out of range, value must between 0 and 1"
    static let bgsaveForReplicationFailed: StaticString = "ERR BGSAVE failed, replication can't continue"
    static func unrecognizedReplconfOption(_ name: String) -> String { "ERR Unrecognized REPLCONF option: \(name)" }
    static let rdbFilterMissing: StaticString = "ERR Missing rdb-filter-only values"
    static func rdbFilterUnsupported(_ name: String) -> String { "ERR Unsupported rdb-filter-only option: \(name)" }
    static let filteredReplicaWithoutEOF: StaticString = "ERR Filtered replica requires EOF capability"
    static func replconfAddressTooLong(_ length: Int) -> String {
        "ERR REPLCONF ip-address provided by replica instance is too long: \(length) bytes"
    }
}

// MARK: scripting
extension ErrorText {
    static let noScript: StaticString = "NOSCRIPT No matching script. Please use EVAL."
    static let busyEval = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    static let busyFunction = "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE."
    static let unkillableFromMaster: StaticString = "UNKILLABLE The busy script was sent by a master instance in the context of replication and cannot be killed."
    static let notBusy: StaticString = "NOTBUSY No scripts in execution right now."
    static let unkillable: StaticString = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command."
    static let scriptWriteFlagOnReadOnlyCommand: StaticString = "ERR Can not execute a script with write flag using *_ro command."
    static let scriptReadOnlyReplica: StaticString = "READONLY Can not run script with write flag on readonly replica"
    static let scriptStaleMaster: StaticString = "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set"
    static let scriptDebuggerUnsupported: StaticString = "ERR SCRIPT DEBUG YES/SYNC: the Lua debugger is not supported by Apus"
    static let scriptNoCluster: StaticString = "ERR Can not run script on cluster, 'no-cluster' flag is set."
}

// MARK: functions
extension ErrorText {
    static let functionNotFound: StaticString = "ERR Function not found"
    static let libraryNotFound: StaticString = "ERR Library not found"
    static let functionBadNumberOfKeys: StaticString = "ERR Bad number of keys provided"
    static let functionKeysGreaterThanArgs: StaticString = "ERR Number of keys can't be greater than number of args"
    static let functionNegativeKeys: StaticString = "ERR Number of keys can't be negative"
    static let functionCodeMissing: StaticString = "ERR Function code is missing"
    static let functionFlushOption: StaticString = "ERR FUNCTION FLUSH only supports SYNC|ASYNC option"
    static let functionRestorePolicy: StaticString = "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."
    static let functionPayloadInvalid: StaticString = "ERR DUMP payload version or checksum are wrong"
    static let functionListLibraryNameMissing: StaticString = "ERR library name argument was not given"
    static let slowEval: StaticString = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
    static func functionLoadOption(_ option: String) -> String { "ERR Unknown option given: \(option)" }
    static func functionListArgument(_ argument: String) -> String { "ERR Unknown argument \(argument)" }
}

// Failover and MIGRATE
extension ErrorText {
    static let failoverClusterMode: StaticString = "ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead."
    static let noFailoverInProgress: StaticString = "ERR No failover in progress."
    static let failoverTimeoutNotPositive: StaticString = "ERR FAILOVER timeout must be greater than 0"
    static let failoverAlreadyInProgress: StaticString = "ERR FAILOVER already in progress."
    static let failoverOnReplica: StaticString = "ERR FAILOVER is not valid when server is a replica."
    static let failoverWithoutReplicas: StaticString = "ERR FAILOVER requires connected replicas."
    static let failoverForceRequirements: StaticString = "ERR FAILOVER with force option requires both a timeout and target HOST and IP."
    static let failoverTargetNotReplica: StaticString = "ERR FAILOVER target HOST and PORT is not a replica."
    static let failoverTargetNotOnline: StaticString = "ERR FAILOVER target replica is not online."
    static let psyncFailoverToMaster: StaticString = "ERR PSYNC FAILOVER can't be sent to a master."
    static let psyncFailoverReplicationID: StaticString = "ERR PSYNC FAILOVER replid must match my replid."
    static let syncWhileFailingOver: StaticString = "NOMASTERLINK Can't SYNC while failing over"
    static let replicaOfWhileFailingOver: StaticString = "ERR REPLICAOF not allowed while failing over."
    static let migrateKeysNeedEmptyKey: StaticString = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string"
    static let migrateConnectFailed: StaticString = "IOERR error or timeout connecting to the client"
    static let migrateWriteFailed: StaticString = "IOERR error or timeout writing to target instance"
    static let migrateReadFailed: StaticString = "IOERR error or timeout reading to target instance"
    static func migrateTargetError(_ text: String) -> String { "ERR Target instance replied with error: \(text)" }
    /// shared.oomerr: maxmemory reached and nothing (more) can be evicted.
    static let oom = "OOM command not allowed when used memory > 'maxmemory'."
    static let scriptOOM: StaticString = "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'"
}

extension ErrorText {
    // ACL (acl.c, server.c processCommand, script.c scriptVerifyACL, sort.c).
    static func noPermissionCommand(_ fullName: String) -> String {
        "NOPERM this user has no permissions to run the '\(fullName)' command"
    }
    static let noPermissionKey = "NOPERM this user has no permissions to access one of the keys used as arguments"
    static let noPermissionChannel = "NOPERM this user has no permissions to access one of the channels used as arguments"
    static let scriptNoPermissionCommand = "The user executing the script can't run this command or subcommand"
    static let scriptNoPermissionKey = "The user executing the script can't access at least one of the keys mentioned in the command arguments"
    static let scriptNoPermissionChannel = "The user executing the script can't publish to the channel mentioned in the command"
    static func noPermissionAtExec(_ denial: ACLDenial) -> String {
        let reason: String
        switch denial {
        case .command: reason = "no permission to execute the command or subcommand"
        case .key: reason = "no permission to touch the specified keys"
        case .channel: reason = "no permission to access one of the channels used as arguments"
        }
        return "NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: " + reason
    }
    static let wrongPass = "WRONGPASS invalid username-password pair or user is disabled."
    static let authWithoutPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
    static let sortByDenied = "ERR BY option of SORT denied due to insufficient ACL permissions."
    static let sortGetDenied = "ERR GET option of SORT denied due to insufficient ACL permissions."
    static let aclSyntaxError = "Syntax error"
    static let aclUnknownCommandOrCategory = "Unknown command or category name in ACL"
    static let aclPatternAfterAllKeys = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns"
    static let aclPatternAfterAllChannels = "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels"
    static let aclNoSuchPassword = "The password you are trying to remove from the user does not exist"
    static let aclBadHash = "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters"
    static let aclDuplicateUser = "Duplicate user found. A user can only be defined once in config files"
    static let aclFirstArgOfSubcommand = "Allowing first-arg of a subcommand is not supported"
    static func aclSetUserModifier(_ op: String, _ reason: String) -> String {
        "ERR Error in ACL SETUSER modifier '\(op)': \(reason)"
    }
    static func aclUserDeclaration(_ op: String, _ reason: String) -> String {
        "Error in user declaration '\(op)': \(reason)"
    }
    static let aclUsernameSpaces = "ERR Usernames can't contain spaces or null characters"
    static func aclUnmatchedParenthesis(_ op: String) -> String {
        "ERR Unmatched parenthesis in acl selector starting at '\(op)'."
    }
    static let aclDefaultUserUndeletable = "ERR The 'default' user cannot be removed"
    static func aclUnknownCategory(_ name: String) -> String { "ERR Unknown category '\(truncated(name))'" }
    static let aclGenPassBits = "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"
    static let aclNoFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."
    static let aclSaveFailed = "ERR There was an error trying to save the ACLs. Please check the server logs for more information"
    static func aclDryRunNoUser(_ name: String) -> String { "ERR User '\(name)' not found" }
    static func aclDryRunNoCommand(_ name: String) -> String { "ERR Command '\(name)' not found" }
    static func aclDryRunCommand(_ name: String) -> String { "This user has no permissions to run the '\(name)' command" }
    static func aclDryRunKey(_ key: String) -> String { "This user has no permissions to access the '\(key)' key" }
    static func aclDryRunChannel(_ channel: String) -> String { "This user has no permissions to access the '\(channel)' channel" }
    // ACL LOAD's report: one fragment per problem, then the closing warning.
    static func aclFileOpen(_ path: String, _ reason: String) -> String { "Error loading ACLs, opening file '\(path)': \(reason)" }
    static func aclFileNotUser(_ path: String, _ line: Int) -> String {
        "\(path):\(line) should start with user keyword followed by the username. "
    }
    static func aclFileBadUsername(_ path: String, _ line: Int, _ name: String) -> String {
        "'\(path):\(line): username '\(name)' contains invalid characters. "
    }
    static func aclFileDuplicate(_ name: String, _ line: Int) -> String { "WARNING: Duplicate user '\(name)' found on line \(line). " }
    static func aclFileUnmatchedParenthesis(_ path: String, _ line: Int) -> String {
        "\(path):\(line): Unmatched parenthesis in selector definition."
    }
    static func aclFileUnknownOperation(_ path: String, _ line: Int, _ op: String) -> String {
        "\(path):\(line): Error in applying operation '\(op)': \(aclUnknownCommandOrCategory). "
    }
    static func aclFileRule(_ path: String, _ line: Int, _ reason: String) -> String { "\(path):\(line): \(reason). " }
    static let aclFileNothingChanged = "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
    static let aclFileAndUsers = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both."
    /// CONFIG SET of a tls-* directive whose new contexts could not be built (applyTlsCfg).
    static let tlsReconfigureFailed = "Unable to update TLS configuration. Check server logs."

    // Written raw to a connection that is then dropped, before it becomes a client (acceptCommonHandler, clientAcceptHandler).
    static let maxClientsReached: StaticString = "-ERR max number of clients reached\r\n"
    static let protectedModeDenied: StaticString = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"
}
