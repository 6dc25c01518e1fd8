// The console's save on a board, under power cuts: the configuration file lives in the card's root
// (CardConfigFile over WholeFile), on the same card and power supply as the spool, and a person at
// the console sets keys and types save. The power goes after k counted card operations, for every
// k the save performs, from every state the card can be in before it (no file, the file, the file
// and a stale partial temporary file, only the complete temporary file of an interrupted save),
// and the card reboots clean or torn (seeded: unsynced directory changes and bytes survive at
// random). Then the file the board reads at its next start is the old one or the new one, byte
// for byte, never a mix or nothing; an acknowledged save is the new one; what is read starts; and
// the console can save again (unless a torn rename left two names on one file, which save refuses
// to touch and says so).
using MailGateway.Core.Config;
using MailGateway.Core.Console;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;
using static MailGateway.Tests.Local.UsersCard;

namespace MailGateway.Tests.Admin;

public class ConsoleSavePowerCutTests
{
    public enum Before { NoFile, File, FileAndPartialTemporary, OnlyCompleteTemporary }

    private const string Name = "MAILGW.CNF";
    private const string TemporaryName = "MAILGW.TMP";
    private const string Path = "D:\\mailgw.conf";

    // The WT32 profile as a user would keep it on the card, with the device's own keys, a comment
    // in UTF-8 and a secret: about 2 KB, so the save takes many card writes' worth of bytes.
    private static readonly string OldText =
        "# Büro-Gateway im Keller — the board on the shelf\n" +
        "board.network = wifi\n" +
        "wifi.ssid = shelf\n" +
        "wifi.password = hunter2 hunter2\n" +
        "hostname = gw.shelf.test\n" +
        "relay.allow = 192.168.1.0/24\n" +
        File.ReadAllText(System.IO.Path.Combine(MailGateway.Tests.Config.ConfigParserTests.RepositoryRoot(), "boards", "wt32-eth01", "board.conf"));

    private static readonly string[] Edits =
    {
        "set limits.recipients 50",
        "set relay.smarthost smtp.provider.test:587",
        "set relay.smarthost_user me",
        "set relay.smarthost_password new secret",
        "unset relay.allow",
        "set relay.allow 192.168.1.0/24, 10.0.0.0/8",
    };

    /// <summary>The board's console platform: the file on the card's root, nothing else used here.</summary>
    private sealed class BoardPlatform : IConsolePlatform
    {
        public readonly CardConfigFile File;
        public BoardPlatform(CardConfigFile file) { File = file; }
        public string ConfigName => File.Path;
        public string ReadConfig() => File.Read() ?? "";
        public void WriteConfig(string text) => File.Write(text);
        public string Reload() => "ok: the board restarts with the saved file";
        public string Restart() => "ok: restarting";
        public string Shutdown() => "ok: stopping";
        public string Memory() => "n/a";
    }

    private sealed class Board
    {
        public SimulatedGateway Gateway = null!;
        public SimulatedStorage Root = null!;
        public SimulatedClient Client = null!;
    }

    /// <summary>A board whose card holds the file as 'before' says, with a person logged in at the console and the edits typed.</summary>
    private static Board Start(Before before)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ConsoleListen = new[] { new ListenEndpoint(SimulatedGateway.ListenAddress, 2323) };
        var spool = new SimulatedStorage();
        var root = new SimulatedStorage(spool); // the card's root: the same card, the same power
        switch (before)
        {
            case Before.File:
                WriteDurably(root, Name, Latin1(OldText));
                break;
            case Before.FileAndPartialTemporary:
                WriteDurably(root, Name, Latin1(OldText));
                WriteDurably(root, TemporaryName, Latin1(OldText).Substring(0, 700));
                break;
            case Before.OnlyCompleteTemporary:
                WriteDurably(root, TemporaryName, Latin1(OldText));
                break;
        }
        var gw = new SimulatedGateway(config, spool);
        gw.Gateway.ConsolePlatform = new BoardPlatform(new CardConfigFile(root, Name, TemporaryName, Path));
        var client = gw.Network.Connect(SimulatedGateway.ListenAddress, 2323, "127.0.0.1");
        gw.Settle();
        client.ReadNew();
        foreach (string edit in Edits)
        {
            Assert.StartsWith("ok: ", gw.Say(client, edit + "\r\n"));
        }
        return new Board { Gateway = gw, Root = root, Client = client };
    }

    // WriteDurably writes one byte per char: the UTF-8 bytes of the text as chars.
    private static string Latin1(string text) => System.Text.Encoding.Latin1.GetString(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>What the board reads at its next start ("" for no file or an empty one).</summary>
    private static string ReadAtStart(SimulatedStorage root) => new CardConfigFile(root, Name, TemporaryName, Path).Read() ?? "";

    private static readonly string NewText = Saved(Before.File);

    private static string Saved(Before before)
    {
        var board = Start(before);
        Assert.StartsWith("ok: 5 change(s) saved to D:\\mailgw.conf", board.Gateway.Say(board.Client, "save\r\n"));
        return ReadAtStart(board.Root);
    }

    [Fact]
    public void TheSavedFile_HasTheEdits_AndStarts()
    {
        Assert.Contains("# Büro-Gateway im Keller", NewText);
        Assert.Contains("\nrelay.smarthost_password = new secret\n", NewText);
        Assert.Contains("\nrelay.allow = 192.168.1.0/24, 10.0.0.0/8\n", NewText);
        Assert.DoesNotContain("relay.allow = 192.168.1.0/24\n", NewText);
        var parsed = new GatewayConfig();
        Assert.Null(ConfigParser.Apply(NewText, Path, parsed));
        Assert.Equal(50, parsed.MaxRecipients);
        Assert.Equal("new secret", parsed.SmarthostPassword);
    }

    [Theory]
    [InlineData(Before.NoFile)]
    [InlineData(Before.File)]
    [InlineData(Before.FileAndPartialTemporary)]
    [InlineData(Before.OnlyCompleteTemporary)]
    public void PowerCut_AtEveryStepOfSave_LeavesTheOldOrTheNewFile(Before before)
    {
        string oldText = before == Before.NoFile ? "" : OldText;

        var probe = Start(before);
        int start = probe.Root.OperationCount + probe.Gateway.Storage.OperationCount;
        Assert.StartsWith("ok: ", probe.Gateway.Say(probe.Client, "save\r\n"));
        int steps = probe.Root.OperationCount + probe.Gateway.Storage.OperationCount - start;
        string newText = ReadAtStart(probe.Root);
        if (before != Before.NoFile) Assert.Equal(NewText, newText);
        Assert.True(steps >= 8, "a save is at least eight card operations, found " + steps);

        int seen = 0;
        for (int torn = 0; torn < 3; torn++)
        {
            for (int k = 0; k <= steps; k++)
            {
                var board = Start(before);
                board.Root.CutPowerAfter(k);
                string reply = "";
                try
                {
                    reply = board.Gateway.Say(board.Client, "save\r\n");
                }
                catch (PowerCutException)
                {
                }
                bool cut = board.Root.IsPowerOff;
                Assert.Equal(k < steps, cut);
                if (!cut) board.Root.CutPowerNow(); // the plug is pulled after the save
                int seed = k * 31 + (int)before * 7 + torn;
                if (torn == 0) board.Root.Reboot();
                else board.Root.RebootTorn(seed);
                board.Gateway.Storage.Reboot();

                string where = before + ", power cut after " + k + " of " + steps + " operations" + (torn > 0 ? ", torn reboot seed " + seed : "");
                string after = ReadAtStart(board.Root);
                Assert.True(after == oldText || after == newText, where + ": neither the old nor the new file:\n" + after);
                if (reply.StartsWith("ok: ", StringComparison.Ordinal)) Assert.True(after == newText, where + ": the save was acknowledged but is lost");
                if (after == newText) seen |= 2;
                else seen |= 1;
                Assert.Null(ConfigParser.Apply(after, Path, new GatewayConfig()));

                // The card stays usable: the next boot's console saves again.
                var file = new CardConfigFile(board.Root, Name, TemporaryName, Path);
                bool tornRename = board.Root.Exists(Name) && board.Root.Exists(TemporaryName) &&
                                  ReadAll(board.Root, Name) == ReadAll(board.Root, TemporaryName);
                if (tornRename)
                {
                    var e = Assert.Throws<IOException>(() => file.Write(after + "limits.recipients = 9\n"));
                    Assert.Contains("Check the card", e.Message);
                    Assert.Equal(after, ReadAtStart(board.Root));
                    continue;
                }
                file.Write(after + "limits.recipients = 9\n");
                Assert.Equal(after + "limits.recipients = 9\n", ReadAtStart(board.Root));
                Assert.Equal(new[] { Name }, board.Root.List());
            }
        }
        Assert.Equal(3, seen); // both outcomes happened: the cuts did land inside the save
    }

    [Fact]
    public void AFailingCard_RefusesTheSave_AndKeepsTheOldFile()
    {
        var board = Start(Before.File);
        board.Root.FailAfter(3, new IOException("card removed"));
        Assert.Equal("error: not saved: card removed\r\nmailgw> ", board.Gateway.Say(board.Client, "save\r\n"));
        Assert.Equal(OldText, ReadAtStart(board.Root));
        // The edits are still pending: once the card is back, save writes them.
        Assert.StartsWith("ok: 5 change(s) saved", board.Gateway.Say(board.Client, "save\r\n"));
        Assert.Equal(NewText, ReadAtStart(board.Root));
    }
}
