// The commands that look after a running gateway through its console (console.listen):
//   mailgw console [--config FILE] [--connect HOST:PORT] [-c COMMAND]...
//       a console session on this terminal, or the given commands run one after the other
//   mailgw queue [list|show|flush|delete|hold|release] [ID] [--json] [--config FILE] [--connect HOST:PORT]
//       the queue commands for scripts and cron; --json prints JSON (an array of messages for
//       list, one object for show) read by System.Text.Json from the console's JSON lines
// Where the console is: --connect, else the first console.listen of the configuration (--config,
// else /etc/mailgw/mailgw.conf when it exists, else the embedded defaults); its password:
// console.password of that configuration (the installed file is root:mailgw 0640: use sudo).
// Exit codes (sysexits.h): 0 done, 1 the gateway said no (no such message, ...), 2 usage or
// configuration error, 69 the console cannot be reached, 76 it answered nonsense, 77 the password
// was refused or is missing.
using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Text.Json;
using MailGateway.Core.Config;

namespace MailGateway.Emulator.Admin
{
    public static class AdminCommands
    {
        public static Command ConsoleCommand()
        {
            var config = Program.ConfigOption();
            var connect = ConnectOption();
            var commands = new Option<string[]>("-c", "--command")
            {
                Description = "run this console command and print its output (may be given several times); without it: an interactive session",
                HelpName = "COMMAND",
                AllowMultipleArgumentsPerToken = false,
            };
            var console = new Command("console", "open the console of the running gateway (console.listen)");
            console.Options.Add(config);
            console.Options.Add(connect);
            console.Options.Add(commands);
            console.SetAction(parsed =>
            {
                string[] given = parsed.GetValue(commands);
                return WithConsole(parsed.GetValue(config), parsed.GetValue(connect), given != null && given.Length > 0, client =>
                {
                    int status = ExitCodes.Ok;
                    foreach (string command in given)
                    {
                        foreach (string line in client.Run(command))
                        {
                            Console.Out.WriteLine(line);
                            if (line.StartsWith("error:", StringComparison.Ordinal)) status = ExitCodes.Failed;
                        }
                    }
                    return status;
                });
            });
            return console;
        }

        public static Command QueueCommand()
        {
            var queue = new Command("queue", "list and look after the queued mail of the running gateway (like mailq and postsuper)");
            queue.Subcommands.Add(QueueSubcommand("list", "the queued messages, like mailq (the default)", false));
            queue.Subcommands.Add(QueueSubcommand("show", "one message: envelope and each recipient's progress", true));
            queue.Subcommands.Add(QueueSubcommand("flush", "try deferred mail now: every message, or the one given", false));
            queue.Subcommands.Add(QueueSubcommand("delete", "remove a message for good, without a bounce", true));
            queue.Subcommands.Add(QueueSubcommand("hold", "keep a message on the card without trying it", true));
            queue.Subcommands.Add(QueueSubcommand("release", "let a held message go", true));
            AddQueueAction(queue, "list", null);
            return queue;
        }

        private static Command QueueSubcommand(string name, string description, bool needsId)
        {
            var command = new Command(name, description);
            var id = new Argument<string>("ID") { Description = "the queue ID (as mailgw queue lists it)" };
            if (!needsId) id.Arity = ArgumentArity.ZeroOrOne;
            command.Arguments.Add(id);
            AddQueueAction(command, name, id);
            return command;
        }

        private static void AddQueueAction(Command command, string name, Argument<string> id)
        {
            var config = Program.ConfigOption();
            var connect = ConnectOption();
            command.Options.Add(config);
            command.Options.Add(connect);
            Option<bool> json = null;
            if (name == "list" || name == "show")
            {
                json = new Option<bool>("--json") { Description = "machine-readable output (JSON)" };
                command.Options.Add(json);
            }
            command.SetAction(parsed =>
            {
                string given = id != null ? parsed.GetValue(id) : null;
                bool asJson = json != null && parsed.GetValue(json);
                string line = "queue " + name + (given != null ? " " + given : "") + (asJson ? " --json" : "");
                return WithConsole(parsed.GetValue(config), parsed.GetValue(connect), true, client =>
                {
                    List<string> answer = client.Run(line);
                    if (answer.Count > 0 && answer[0].StartsWith("error:", StringComparison.Ordinal))
                    {
                        foreach (string l in answer) Console.Error.WriteLine("mailgw: " + l.Substring(l.StartsWith("error: ", StringComparison.Ordinal) ? 7 : 0));
                        return ExitCodes.Failed;
                    }
                    if (asJson) WriteJson(answer, name == "list");
                    else foreach (string l in answer) Console.Out.WriteLine(l);
                    return ExitCodes.Ok;
                });
            });
        }

        // The console's JSON lines, each checked by the parser, written as one document: an array
        // for a listing, the object itself for one message.
        private static void WriteJson(List<string> lines, bool array)
        {
            using Stream output = Console.OpenStandardOutput();
            using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
            if (array) writer.WriteStartArray();
            foreach (string line in lines)
            {
                using JsonDocument message = JsonDocument.Parse(line);
                message.WriteTo(writer);
            }
            if (array) writer.WriteEndArray();
            writer.Flush();
            output.WriteByte((byte)'\n');
        }

        private static Option<string> ConnectOption()
        {
            return new Option<string>("--connect")
            {
                Description = "the console's address (without it: console.listen of the configuration)",
                HelpName = "HOST:PORT",
            };
        }

        // Finds the console, opens it (script mode when scripted), runs work, reports failures.
        private static int WithConsole(string configPath, string connect, bool scripted, Func<ConsoleClient, int> work)
        {
            // An installed gateway's file (boards/raspberry-pi/install.sh) is the default here.
            if (configPath == null && File.Exists(Sendmail.DefaultConfig)) configPath = Sendmail.DefaultConfig;
            GatewayConfig config = ConfigFile.Load(configPath, out string error);
            if (config == null)
            {
                Console.Error.WriteLine("mailgw: " + error);
                return 2;
            }
            string host;
            int port;
            if (connect != null)
            {
                HostPort target = ConfigParser.ParseHostPort(connect, -1);
                if (target == null)
                {
                    Console.Error.WriteLine("mailgw: --connect: \"" + connect + "\" is not host:port");
                    return 2;
                }
                host = target.Host;
                port = target.Port;
            }
            else if (config.ConsoleListen.Length > 0)
            {
                ListenEndpoint at = config.ConsoleListen[0];
                host = at.LocalAddress;
                port = at.Port;
            }
            else
            {
                Console.Error.WriteLine("mailgw: " + (configPath ?? "the embedded defaults") + ": console.listen is not set, so there is no console to " +
                                        "reach; set it (e.g. console.listen = 127.0.0.1:2323) and restart the gateway, or give --connect");
                return 2;
            }
            try
            {
                if (!scripted) return InteractiveSession(host, port, config.ConsolePassword);
                using ConsoleClient client = ConsoleClient.Open(host, port, config.ConsolePassword);
                return work(client);
            }
            catch (ConsoleException e)
            {
                Console.Error.WriteLine("mailgw: " + e.Message);
                return e.ExitCode;
            }
            catch (JsonException e)
            {
                Console.Error.WriteLine("mailgw: the console's JSON does not parse: " + e.Message);
                return ExitCodes.Protocol;
            }
        }

        // A person at a terminal: what the gateway says goes to standard output as it comes, and
        // each line typed goes to the gateway (the password too; it is not echoed when standard
        // input is a terminal). Ends when either side closes.
        private static int InteractiveSession(string host, int port, string password)
        {
            using var tcp = ConsoleClient.Connect(host, port);
            Stream stream = tcp.GetStream();
            bool passwordSent = false;
            bool askingPassword = false;
            var reader = new System.Threading.Thread(() =>
            {
                byte[] buffer = new byte[4096];
                int n;
                try
                {
                    while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
                    {
                        string text = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
                        Console.Out.Write(text);
                        Console.Out.Flush();
                        System.Threading.Volatile.Write(ref askingPassword, text.EndsWith(Core.Console.ConsoleSession.PasswordPrompt, StringComparison.Ordinal));
                        // The configuration's password answers the first prompt by itself.
                        if (!passwordSent && password != null && text.EndsWith(Core.Console.ConsoleSession.PasswordPrompt, StringComparison.Ordinal))
                        {
                            passwordSent = true;
                            byte[] line = System.Text.Encoding.UTF8.GetBytes(password + "\r\n");
                            stream.Write(line, 0, line.Length);
                            Console.Out.WriteLine();
                        }
                    }
                }
                catch (IOException)
                {
                }
                catch (ObjectDisposedException)
                {
                }
                Environment.Exit(ExitCodes.Ok); // the gateway ended the session
            }) { IsBackground = true };
            reader.Start();
            while (true)
            {
                // A password typed at a terminal is not shown.
                string typed = System.Threading.Volatile.Read(ref askingPassword) && !Console.IsInputRedirected ? ReadHidden() : Console.In.ReadLine();
                if (typed == null) break;
                byte[] line = System.Text.Encoding.UTF8.GetBytes(typed + "\r\n");
                try
                {
                    stream.Write(line, 0, line.Length);
                }
                catch (IOException)
                {
                    break;
                }
            }
            tcp.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            reader.Join(TimeSpan.FromSeconds(5));
            return ExitCodes.Ok;
        }

        private static string ReadHidden()
        {
            var typed = new System.Text.StringBuilder();
            while (true)
            {
                ConsoleKeyInfo key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    Console.Out.WriteLine();
                    return typed.ToString();
                }
                if (key.Key == ConsoleKey.Backspace)
                {
                    if (typed.Length > 0) typed.Length--;
                }
                else if (key.KeyChar != '\0') typed.Append(key.KeyChar);
            }
        }
    }
}
