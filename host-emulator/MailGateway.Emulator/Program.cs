// mailgw: the command line of the host build (desktop emulator and Raspberry Pi daemon).
//   mailgw run [--config FILE]     start the gateway (embedded defaults without --config)
//   mailgw check-config FILE       read a configuration file and report the first error
//   mailgw user add|passwd|del|list  manage the local users (UserCommand)
//   mailgw simulate seed-story|campaign  deterministic simulations (Simulation/SimulateCommand)
// Exit codes: 0 ok, 1 runtime failure (a port that cannot be opened), 2 usage or configuration error.
using System;
using System.IO;
using MailGateway.Core.Config;

namespace MailGateway.Emulator
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            if (args.Length == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help")
            {
                Console.Out.Write(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            switch (args[0])
            {
                case "run":
                    return Run(args);
                case "check-config":
                    return CheckConfig(args);
                case "user":
                    return UserCommand.Run(args);
                case "simulate":
                    return Simulation.SimulateCommand.Run(args);
                default:
                    Console.Error.WriteLine("mailgw: unknown command \"" + args[0] + "\"");
                    Console.Error.Write(Usage);
                    return 2;
            }
        }

        private const string Usage =
            "usage: mailgw run [--config FILE]\n" +
            "       mailgw check-config FILE\n" +
            UserCommand.Usage +
            Simulation.SimulateCommand.Usage;

        private static int Run(string[] args)
        {
            string configPath = null;
            for (int i = 1; i < args.Length; i++)
            {
                if (args[i] == "--config" && i + 1 < args.Length) configPath = args[++i];
                else
                {
                    Console.Error.WriteLine("mailgw run: unexpected argument \"" + args[i] + "\"");
                    Console.Error.Write(Usage);
                    return 2;
                }
            }
            string error;
            GatewayConfig config = ConfigFile.Load(configPath, out error);
            if (config == null)
            {
                Console.Error.WriteLine("mailgw: " + error);
                return 2;
            }
            return HostLoop.Run(config);
        }

        private static int CheckConfig(string[] args)
        {
            if (args.Length != 2)
            {
                Console.Error.Write(Usage);
                return 2;
            }
            string error;
            GatewayConfig config = ConfigFile.Load(args[1], out error);
            if (config == null)
            {
                Console.Error.WriteLine("mailgw: " + error);
                return 2;
            }
            Console.Out.WriteLine(args[1] + ": ok");
            return 0;
        }
    }
}
