// mailgw user: manages the users of the local domains in USERS.DAT in the configured spool.dir
// (UserDirectory in the core does the work and writes the file; this is the command and its options).
//   mailgw user add NAME [--config FILE] [--iterations N]     new user, password from stdin
//   mailgw user passwd NAME [--config FILE] [--iterations N]  new password from stdin
//   mailgw user del NAME [--config FILE]                      remove (the mailbox folder stays)
//   mailgw user list [--config FILE]                          names and mailbox folders
// The password is the first line of standard input without its line end, so scripts can pipe it
// (`printf '%s\n' "$pw" | mailgw user add alice`); an empty one is refused. Neither the password
// nor its hash is ever printed. Exit codes: 0 done, 1 the users file cannot be read or written
// (damaged, card error), 2 usage or validation error ("user alice exists", "no such user: bob").
using System;
using System.CommandLine;
using System.IO;
using MailGateway.Core.Config;
using MailGateway.Core.Local;
using MailGateway.Emulator.Platform;

namespace MailGateway.Emulator
{
    public static class UserCommand
    {
        /// <summary>PBKDF2 iterations for passwords set on the host (a Raspberry Pi can afford them;
        /// pass --iterations 10000, UserDirectory.DefaultIterations, for a card an ESP32 will serve).</summary>
        public const int HostIterations = 100000;

        /// <summary>mailgw user and its four subcommands.</summary>
        public static Command Command()
        {
            var user = new Command("user", "manage the users of the local domains (USERS.DAT in spool.dir)");
            user.Subcommands.Add(Subcommand("add", "add a user with a mailbox; the password is the first line of standard input", true, true));
            user.Subcommands.Add(Subcommand("passwd", "set a user's password from the first line of standard input", true, true));
            user.Subcommands.Add(Subcommand("del", "remove a user (the mailbox folder stays on the card)", true, false));
            user.Subcommands.Add(Subcommand("list", "list the users and their mailbox folders", false, false));
            return user;
        }

        private static Command Subcommand(string action, string description, bool takesName, bool takesIterations)
        {
            var command = new Command(action, description);
            var config = Program.ConfigOption();
            command.Options.Add(config);
            Argument<string> name = null;
            if (takesName)
            {
                name = new Argument<string>("NAME") { Description = "the user name (the local part of its address)" };
                command.Arguments.Add(name);
            }
            Option<int> iterations = null;
            if (takesIterations)
            {
                iterations = new Option<int>("--iterations")
                {
                    Description = "PBKDF2 rounds (" + HostIterations.ToString() + " here; " + UserDirectory.DefaultIterations.ToString() +
                                  " for a card an ESP32 will serve)",
                    HelpName = "N",
                    DefaultValueFactory = _ => HostIterations,
                };
                iterations.Validators.Add(result =>
                {
                    int value = result.GetValueOrDefault<int>();
                    if (value < 1000 || value > 10000000) result.AddError("--iterations must be a whole number from 1000 to 10000000");
                });
                command.Options.Add(iterations);
            }
            command.SetAction(parsed => Run(action, name == null ? null : parsed.GetValue(name), parsed.GetValue(config),
                                            iterations == null ? HostIterations : parsed.GetValue(iterations)));
            return command;
        }

        private static int Run(string action, string name, string configPath, int iterations)
        {
            if (name != null)
            {
                string problem = UserName.Problem(name);
                if (problem != null) return Fail(2, "invalid user name \"" + name + "\": " + problem);
            }

            GatewayConfig config = ConfigFile.Load(configPath, out string error);
            if (config == null) return Fail(2, error);
            HostStorage storage;
            try
            {
                storage = new HostStorage(Path.GetFullPath(config.SpoolDir));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return Fail(1, "spool.dir " + config.SpoolDir + ": " + e.Message);
            }
            using (storage)
            {
                var users = new UserDirectory(iterations);
                error = users.Load(storage);
                if (error != null) return Fail(1, Path.Combine(storage.DirectoryPath, error));
                var crypto = new HostCrypto();
                switch (action)
                {
                    case "list":
                        string[] names = users.Names();
                        Array.Sort(names, StringComparer.Ordinal);
                        foreach (string n in names) Console.Out.WriteLine(n + " " + users.MailboxFolder(n));
                        return 0;
                    case "add":
                        if (users.Exists(name)) return Fail(2, "user " + UserName.Canonical(name) + " exists");
                        error = users.Add(name, ReadPassword(), crypto);
                        if (error != null) return Fail(2, error);
                        return Save(users, storage, "user " + UserName.Canonical(name) + " added, mailbox folder " + users.MailboxFolder(name));
                    case "passwd":
                        if (!users.Exists(name)) return Fail(2, "no such user: " + name);
                        error = users.SetPassword(name, ReadPassword(), crypto);
                        if (error != null) return Fail(2, error);
                        return Save(users, storage, "password of " + UserName.Canonical(name) + " changed");
                    default: // del
                        string folder = users.MailboxFolder(name);
                        error = users.Remove(name);
                        if (error != null) return Fail(2, error);
                        return Save(users, storage, "user " + UserName.Canonical(name) + " removed; mailbox folder " + folder + " stays on the card");
                }
            }
        }

        // The first line of standard input without its line end; null at end of input.
        private static string ReadPassword()
        {
            return Console.In.ReadLine();
        }

        private static int Save(UserDirectory users, HostStorage storage, string done)
        {
            try
            {
                users.Save(storage);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                return Fail(1, "cannot write " + Path.Combine(storage.DirectoryPath, UserDirectory.FileName) + ": " + e.Message);
            }
            Console.Out.WriteLine(done);
            return 0;
        }

        private static int Fail(int code, string message)
        {
            Console.Error.WriteLine("mailgw: " + message);
            return code;
        }
    }
}
