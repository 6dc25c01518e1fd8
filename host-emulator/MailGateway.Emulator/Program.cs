// mailgw: the command line of the host build (desktop emulator and Raspberry Pi daemon), parsed by
// System.CommandLine, so every command has --help, a mistyped command line gets an error that says
// what is wrong, and shells can complete it (dotnet-suggest).
//   mailgw run [--config FILE]                      start the gateway (embedded defaults without --config)
//   mailgw check-config FILE                        read a configuration file and report the first error
//                                                   (and refuse one whose memory or sockets do not fit the board)
//   mailgw budget [--config FILE]                   the memory and socket budget against the board (Budget/)
//   mailgw user add|passwd|del|list [NAME] [--config FILE] [--iterations N]   the local users (UserCommand)
//   mailgw console [--config FILE] [--connect HOST:PORT] [-c COMMAND]   the running gateway's console (Admin/)
//   mailgw queue [list|show|flush|delete|hold|release] [ID] [--json]    its queue, for scripts (Admin/)
//   mailgw sendmail [-t] [-i] [-f SENDER] [RECIPIENT...]   mail from standard input (Admin/Sendmail; also as "sendmail")
//   mailgw simulate seed-story | campaign --seeds A..B [--plant NAME] [--verbose]   (SimulateCommand)
// Exit codes: 0 ok, 1 runtime failure (a port that cannot be opened), 2 usage or configuration error
// (a command line the parser refuses included); console and queue add sysexits.h codes (Admin/).
using System;
using System.Collections.Generic;
using System.CommandLine;
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Emulator
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            // sendmail's own command line (-t, -oi, -fSENDER, ...) is not System.CommandLine's.
            if (Admin.Sendmail.InvokedAsSendmail()) return Admin.Sendmail.Run(args, Console.OpenStandardInput(), Console.Error);
            if (args.Length > 0 && args[0] == "sendmail") return Admin.Sendmail.Run(args[1..], Console.OpenStandardInput(), Console.Error);
            RootCommand root = Commands();
            ParseResult parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                foreach (var error in parsed.Errors) Console.Error.WriteLine("mailgw: " + error.Message);
                Console.Error.WriteLine("Try \"mailgw " + CommandPath(parsed) + "--help\".");
                return 2;
            }
            return parsed.Invoke();
        }

        /// <summary>Every mailgw command, its options and what it runs.</summary>
        public static RootCommand Commands()
        {
            var root = new RootCommand("mailgw: a store-and-forward SMTP gateway for small hardware (host build and emulator)");
            root.Subcommands.Add(RunCommand());
            root.Subcommands.Add(CheckConfigCommand());
            root.Subcommands.Add(Budget.BudgetCommand.Command());
            root.Subcommands.Add(UserCommand.Command());
            root.Subcommands.Add(Admin.AdminCommands.ConsoleCommand());
            root.Subcommands.Add(Admin.AdminCommands.QueueCommand());
            // Listed for --help; Main hands its command line to Sendmail before parsing.
            root.Subcommands.Add(new Command("sendmail", "send a message from standard input through the running gateway, as sendmail does " +
                                                         "(-t, -i/-oi, -f SENDER, -F NAME, -C CONFIG, RECIPIENT...); also as a link named sendmail"));
            root.Subcommands.Add(SimulateCommand.Command());
            return root;
        }

        /// <summary>The build's version, as --version prints it.</summary>
        public static string Version
        {
            get
            {
                var assembly = typeof(Program).Assembly;
                var informational = (System.Reflection.AssemblyInformationalVersionAttribute)Attribute.GetCustomAttribute(
                    assembly, typeof(System.Reflection.AssemblyInformationalVersionAttribute));
                return informational?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "?";
            }
        }

        /// <summary>--config FILE, shared by the commands that read the configuration.</summary>
        public static Option<string> ConfigOption()
        {
            return new Option<string>("--config")
            {
                Description = "the configuration file (without it: the embedded defaults)",
                HelpName = "FILE",
            };
        }

        private static Command RunCommand()
        {
            var config = ConfigOption();
            var run = new Command("run", "start the gateway; SIGTERM or Ctrl-C stops it cleanly");
            run.Options.Add(config);
            run.SetAction(parsed =>
            {
                string path = parsed.GetValue(config);
                GatewayConfig loaded = ConfigFile.Load(path, out string error);
                if (loaded == null)
                {
                    Console.Error.WriteLine("mailgw: " + error);
                    return 2;
                }
                if (!Validated(loaded, path)) return 2;
                return HostLoop.Run(loaded, path);
            });
            return run;
        }

        private static Command CheckConfigCommand()
        {
            var file = new Argument<string>("FILE") { Description = "the configuration file to read" };
            var check = new Command("check-config", "read a configuration file and report the first error (file:line: problem)");
            check.Arguments.Add(file);
            check.SetAction(parsed =>
            {
                string path = parsed.GetValue(file);
                GatewayConfig loaded = ConfigFile.Load(path, out string error);
                if (loaded == null)
                {
                    Console.Error.WriteLine("mailgw: " + error);
                    return 2;
                }
                if (!Validated(loaded, path)) return 2;
                Console.Out.WriteLine(path + ": ok");
                return 0;
            });
            return check;
        }

        /// <summary>
        /// Everything start-up refuses in a configuration that parsed, each naming what to change:
        /// memory and sockets that do not fit its board (board.heap, board.native_heap,
        /// board.sockets) and ConfigChecks' problems; warnings: what is probably a mistake. The
        /// same for run, check-config and a reload.
        /// </summary>
        public static List<string> Problems(GatewayConfig config, string path, out List<string> warnings)
        {
            warnings = ConfigChecks.Warnings(config);
            var problems = new List<string>();
            // A host that states no board limits has nothing to fit: nothing to measure.
            if (config.BoardHeapBytes > 0 || config.BoardNativeHeapBytes > 0 || config.BoardSockets > 0)
            {
                try
                {
                    foreach (string p in Budget.MemoryBudget.For(config).Problems())
                        problems.Add("does not fit the board: " + p + " (mailgw budget shows every part)");
                }
                catch (Exception e)
                {
                    // A fault in measuring is ours, not the user's: said, and the gateway still starts.
                    warnings.Add("cannot measure the memory budget (" + e.GetType().Name + ": " + e.Message + "); not checked");
                }
            }
            problems.AddRange(ConfigChecks.Problems(config));
            return problems;
        }

        // Prints the problems and warnings of Problems; true when there is no problem.
        private static bool Validated(GatewayConfig config, string path)
        {
            string where = path ?? "(embedded defaults)";
            List<string> problems = Problems(config, path, out List<string> warnings);
            foreach (string warning in warnings) Console.Error.WriteLine("mailgw: warning: " + where + ": " + warning);
            foreach (string problem in problems) Console.Error.WriteLine("mailgw: " + where + ": " + problem);
            return problems.Count == 0;
        }

        // "user add " for the hint after a parse error.
        private static string CommandPath(ParseResult parsed)
        {
            string path = "";
            for (var r = parsed.CommandResult; r != null && r.Command is not RootCommand; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            {
                path = r.Command.Name + " " + path;
            }
            return path;
        }
    }
}
