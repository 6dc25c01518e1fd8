// Power cuts at every step of UserDirectory.Save, from every state the card can be in before it
// (no file, a users file, a users file with a stale partial USERS.TMP, only the complete USERS.TMP
// of an interrupted save). After the reboot — clean, or torn (seeded: unsynced directory changes
// and unsynced bytes survive at random) — Load never fails and gives either the users before the
// save or the users after it, and the card stays usable: the next Save and Load work.
using MailGateway.Core.Local;
using MailGateway.Emulator.Simulation;
using static MailGateway.Tests.Local.UsersCard;

namespace MailGateway.Tests.Local;

public class UsersFilePowerCutTests
{
    public enum Before { NoFile, UsersFile, UsersFileAndPartialTemporary, OnlyCompleteTemporary }

    private static readonly TestCrypto Crypto = new TestCrypto();

    private static readonly UserDirectory OldUsers = MakeOld();
    private static readonly UserDirectory NewUsers = MakeNew();

    private static UserDirectory MakeOld()
    {
        var users = new UserDirectory(1000);
        users.Add("person1", "one", Crypto);
        users.Add("person2", "two", Crypto);
        return users;
    }

    private static UserDirectory MakeNew()
    {
        var users = MakeOld();
        users.Remove("person1");
        users.SetPassword("person2", "two, changed", Crypto);
        users.Add("person3", "three", Crypto);
        return users;
    }

    private static string Text(UserDirectory users)
    {
        var scratch = new SimulatedStorage();
        users.Save(scratch);
        return ReadAll(scratch, UserDirectory.FileName);
    }

    private static readonly string OldText = Text(OldUsers);
    private static readonly string NewText = Text(NewUsers);

    private static SimulatedStorage Card(Before before)
    {
        var card = new SimulatedStorage();
        switch (before)
        {
            case Before.UsersFile:
                WriteDurably(card, UserDirectory.FileName, OldText);
                break;
            case Before.UsersFileAndPartialTemporary:
                WriteDurably(card, UserDirectory.FileName, OldText);
                WriteDurably(card, UserDirectory.TemporaryName, NewText.Substring(0, NewText.Length / 2));
                break;
            case Before.OnlyCompleteTemporary:
                WriteDurably(card, UserDirectory.TemporaryName, OldText);
                break;
        }
        return card;
    }

    /// <summary>The users file's text the card holds after Load, or "" for no users at all.</summary>
    private static string Loaded(SimulatedStorage card, out UserDirectory users)
    {
        users = new UserDirectory(1000);
        string problem = users.Load(card);
        Assert.True(problem == null, problem);
        return users.Count == 0 ? "" : Text(users);
    }

    [Theory]
    [InlineData(Before.NoFile)]
    [InlineData(Before.UsersFile)]
    [InlineData(Before.UsersFileAndPartialTemporary)]
    [InlineData(Before.OnlyCompleteTemporary)]
    public void PowerCut_AtEveryStepOfSave_LeavesTheOldOrTheNewUsers(Before before)
    {
        string oldText = before == Before.NoFile ? "" : OldText;

        var probe = Card(before);
        int start = probe.OperationCount;
        NewUsers.Save(probe);
        int steps = probe.OperationCount - start;
        Assert.Equal(NewText, ReadAll(probe, UserDirectory.FileName));

        for (int torn = 0; torn < 2; torn++)
        {
            for (int k = 0; k <= steps; k++)
            {
                var card = Card(before);
                card.CutPowerAfter(k);
                bool cut = false;
                try
                {
                    NewUsers.Save(card);
                }
                catch (PowerCutException)
                {
                    cut = true;
                }
                Assert.Equal(k < steps, cut);
                if (torn == 0) card.Reboot();
                else card.RebootTorn(k * 31 + (int)before);

                string after = Loaded(card, out UserDirectory users);
                string where = before + ", cut after " + k + " of " + steps + " operations" + (torn == 1 ? ", torn reboot seed " + (k * 31 + (int)before) : "");
                Assert.True(after == oldText || after == NewText, where + ": neither the old nor the new users:\n" + after);
                if (!cut) Assert.Equal(NewText, after);

                // The card stays usable: a later change is saved and loaded again.
                bool tornRename = card.Exists(UserDirectory.FileName) && card.Exists(UserDirectory.TemporaryName) &&
                                  ReadAll(card, UserDirectory.FileName) == ReadAll(card, UserDirectory.TemporaryName);
                Assert.Null(users.Add("late", "pw", Crypto));
                if (tornRename)
                {
                    var e = Assert.Throws<IOException>(() => users.Save(card));
                    Assert.Contains("Check the card", e.Message);
                    continue;
                }
                users.Save(card);
                Assert.Equal(new[] { UserDirectory.FileName }, card.List());
                Assert.True(Loaded(card, out UserDirectory again).Length > 0, where);
                Assert.True(again.Exists("late"), where);
            }
        }
    }

    [Fact]
    public void Load_FinishesAnInterruptedSave_WhenOnlyTheCompleteTemporaryIsLeft()
    {
        var card = Card(Before.OnlyCompleteTemporary);
        Assert.Equal(OldText, Loaded(card, out _));
        Assert.Equal(new[] { UserDirectory.FileName }, card.List());
        card.Reboot();
        Assert.Equal(OldText, ReadAll(card, UserDirectory.FileName));
    }

    [Fact]
    public void Load_TakesTheEmptyFileOfAnInterruptedFirstSave_AsNoUsers()
    {
        // A first save cut while writing USERS.TMP: the empty USERS.DAT it made first, and the
        // partial USERS.TMP, which Load does not read because USERS.DAT is there.
        var card = new SimulatedStorage();
        WriteDurably(card, UserDirectory.FileName, "");
        WriteDurably(card, UserDirectory.TemporaryName, OldText.Substring(0, OldText.Length - 3));
        Assert.Equal("", Loaded(card, out UserDirectory users));
        users.Add("anna", "pw", Crypto);
        users.Save(card);
        Assert.Equal(new[] { UserDirectory.FileName }, card.List());
        Assert.True(Loaded(card, out UserDirectory again).Length > 0);
        Assert.True(again.Exists("anna"));
    }

    [Fact]
    public void Save_RefusesToDeleteATemporaryIdenticalToTheUsersFile()
    {
        // Perhaps a FAT rename torn by a power cut: two names on one cluster chain.
        var card = new SimulatedStorage();
        WriteDurably(card, UserDirectory.FileName, OldText);
        WriteDurably(card, UserDirectory.TemporaryName, OldText);
        Assert.Equal(OldText, Loaded(card, out UserDirectory users));
        Assert.True(users.Verify("person1", "one", Crypto));
        var e = Assert.Throws<IOException>(() => users.Save(card));
        Assert.StartsWith("USERS.TMP has the same bytes as USERS.DAT", e.Message);
        Assert.Equal(OldText, ReadAll(card, UserDirectory.FileName));
        Assert.Equal(OldText, ReadAll(card, UserDirectory.TemporaryName));
    }
}
