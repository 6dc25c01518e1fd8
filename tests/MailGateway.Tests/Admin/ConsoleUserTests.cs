// The console's user commands as transcripts: "user add" asks the password twice as secret lines
// (never logged, never shown), hashes it while the loop serves on, and saves USERS.DAT; a mismatch or
// a taken name changes nothing; passwd keeps the mailbox folder; del keeps the mail; scripts are
// told to use an interactive console. The users here are the core's UserDirectory on the simulated
// card, edited through the same IUserEditor steps a board uses (Pbkdf2Steps, a slice per call).
using MailGateway.Core.Config;
using MailGateway.Core.Local;
using MailGateway.Emulator.Platform;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Admin;

public class ConsoleUserTests
{
    // IUsers and IUserEditor over a UserDirectory on the simulated card, hashing a slice per poll.
    private sealed class CardUsers : IUsers, IUserEditor
    {
        private readonly SimulatedStorage _card;
        private readonly HostCrypto _crypto = new HostCrypto();
        private UserEntry _changing;
        private bool _creating;
        private Pbkdf2Steps _hashing;
        public UserDirectory Directory = new UserDirectory(1000);
        public int Polls;

        public CardUsers(SimulatedStorage card) => _card = card;

        public bool Exists(string user) => Directory.Exists(user);
        public string[] Names() => Directory.Names();
        public string MailboxFolder(string user) => Directory.MailboxFolder(user);
        public int BeginVerify(string user, string password) => Directory.Verify(user, password, _crypto) ? 1 : 0;
        public int PollVerify(int handle) => handle;

        public int BeginChange(string user, string password, bool create, out string problem)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(password ?? "");
            problem = Directory.ChangeProblem(user, create, bytes.Length);
            if (problem != null) return -1;
            _changing = new UserEntry { Name = user, Iterations = Directory.Iterations, Salt = new byte[PasswordHash.SaltBytes] };
            _crypto.RandomBytes(_changing.Salt, 0, _changing.Salt.Length);
            _creating = create;
            _hashing = new Pbkdf2Steps(new MailGateway.Tests.Local.Pbkdf2StepsTests.DotNetHmac(), bytes, _changing.Salt, _changing.Iterations, PasswordHash.HashBytes);
            return 1;
        }

        public int PollChange(int handle, out string problem)
        {
            problem = null;
            Polls++;
            if (!_hashing.Step(100)) return -1;
            _changing.Hash = _hashing.Result;
            problem = Directory.Apply(_changing, _creating);
            if (problem == null) Directory.Save(_card);
            return problem == null ? 0 : 1;
        }

        public string Remove(string user)
        {
            string problem = Directory.Remove(user);
            if (problem == null) Directory.Save(_card);
            return problem;
        }
    }

    private static (SimulatedGateway, CardUsers, SimulatedClient) Gateway()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ConsoleListen = new[] { new ListenEndpoint(SimulatedGateway.ListenAddress, 2323) };
        config.Aliases = new[] { new Alias("postmaster", new[] { "ops" }) };
        var storage = new SimulatedStorage();
        var users = new CardUsers(storage);
        Assert.Null(users.Directory.Add("ops", "ops secret", new HostCrypto()));
        var gw = new SimulatedGateway(config, storage, realDelivery: true, users: users);
        gw.Settle();
        var client = gw.Network.Connect(SimulatedGateway.ListenAddress, 2323, "127.0.0.1");
        gw.Settle();
        client.ReadNew();
        return (gw, users, client);
    }

    [Fact]
    public void UserAdd_AsksThePasswordTwice_HashesWhileTheLoopServes_AndSaves()
    {
        var (gw, users, client) = Gateway();
        Assert.Equal("new password for bob: ", gw.Say(client, "user add bob\r\n"));
        Assert.Equal("\r\nagain: ", gw.Say(client, "b0b's long secret\r\n"));
        string answer = gw.Say(client, "b0b's long secret\r\n");
        for (int i = 0; i < 50 && !answer.Contains("mailgw> "); i++)
        {
            gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.MaxWaitMs); // the loop comes back by itself within a second
            gw.Settle();
            answer += client.ReadNew();
        }
        Assert.Equal("\r\nok: user bob added (saved)\r\nmailgw> ", answer);
        Assert.True(users.Polls > 5); // hashed a slice at a time, over several passes
        var onCard = new UserDirectory();
        Assert.Null(onCard.Load(gw.Storage));
        Assert.True(onCard.Verify("bob", "b0b's long secret", new HostCrypto()));
        Assert.Equal("U0000002", onCard.MailboxFolder("bob"));
        Assert.DoesNotContain(gw.Log, l => l.Contains("secret"));
        Assert.Contains(gw.Log, l => l.EndsWith("console: unknown[127.0.0.1]: user add bob", StringComparison.Ordinal));
        Assert.Equal("ops  U0000001\r\nbob  U0000002\r\n-- 2 user(s)\r\nmailgw> ", gw.Say(client, "user list\r\n"));
    }

    [Fact]
    public void AMismatchOrATakenName_ChangesNothing()
    {
        var (gw, users, client) = Gateway();
        gw.Say(client, "user add bob\r\n");
        gw.Say(client, "one\r\n");
        Assert.Equal("\r\nerror: the two passwords differ; nothing changed\r\nmailgw> ", gw.Say(client, "two\r\n"));
        gw.Say(client, "user add ops\r\n");
        gw.Say(client, "x\r\n");
        Assert.Equal("\r\nerror: user ops exists\r\nmailgw> ", gw.Say(client, "x\r\n"));
        Assert.False(gw.Storage.Exists(UserDirectory.FileName)); // never saved
        Assert.Equal(new[] { "ops" }, users.Directory.Names());
    }

    [Fact]
    public void Passwd_KeepsTheFolder_Del_KeepsTheMail_AndScriptsAreToldWhy()
    {
        var (gw, users, client) = Gateway();
        gw.Say(client, "user passwd ops\r\n");
        gw.Say(client, "a new one\r\n");
        string answer = gw.Say(client, "a new one\r\n");
        for (int i = 0; i < 50 && !answer.Contains("mailgw> "); i++)
        {
            gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.MaxWaitMs);
            gw.Settle();
            answer += client.ReadNew();
        }
        Assert.Contains("ok: user ops: password changed (saved)", answer);
        Assert.True(users.Directory.Verify("ops", "a new one", new HostCrypto()));
        Assert.Equal("U0000001", users.Directory.MailboxFolder("ops"));
        Assert.Equal("ok: user ops removed (the mailbox folder stays on the card)\r\nmailgw> ", gw.Say(client, "user del ops\r\n"));
        Assert.Empty(users.Directory.Names());
        Assert.Equal("error: no such user: bob\r\nmailgw> ", gw.Say(client, "user del bob\r\n"));
        gw.Say(client, "script\r\n");
        Assert.StartsWith("error: user add asks for the password twice", gw.Say(client, "user add carol\r\n"));
    }
}
