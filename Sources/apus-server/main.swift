import Glibc
import Server

exit(ServerMain.run(arguments: Array(CommandLine.arguments.dropFirst())))
