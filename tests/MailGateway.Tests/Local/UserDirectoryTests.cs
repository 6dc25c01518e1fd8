// UserDirectory as the POP3 server and the mailgw user command use it: names, mailbox folders,
// password checks (including what an unknown name costs), changes, and the file round trip.
using MailGateway.Core.Local;
using MailGateway.Emulator.Simulation;
using static MailGateway.Tests.Local.UsersCard;

namespace MailGateway.Tests.Local;

public class UserDirectoryTests
{
    private const int Iterations = 1000; // fast tests; the count is stored per user either way

    private static UserDirectory TwoUsers(TestCrypto crypto)
    {
        var users = new UserDirectory(Iterations);
        Assert.Null(users.Add("person1", "first secret", crypto));
        Assert.Null(users.Add("Person2", "second secret", crypto));
        return users;
    }

    [Fact]
    public void Add_GivesEachUserTheNextMailboxFolder()
    {
        var users = TwoUsers(new TestCrypto());
        Assert.Equal(new[] { "person1", "person2" }, users.Names());
        Assert.Equal("U0000001", users.MailboxFolder("person1"));
        Assert.Equal("U0000002", users.MailboxFolder("PERSON2"));
        Assert.Null(users.MailboxFolder("nobody"));
        Assert.True(users.Exists("pErSoN1"));
        Assert.False(users.Exists("person3"));
    }

    [Fact]
    public void Verify_RightPassword_True_WrongOrUnknown_False()
    {
        var crypto = new TestCrypto();
        var users = TwoUsers(crypto);
        Assert.True(users.Verify("person1", "first secret", crypto));
        Assert.True(users.Verify("PERSON1", "first secret", crypto));
        Assert.False(users.Verify("person1", "second secret", crypto));
        Assert.False(users.Verify("person1", "first secreT", crypto));
        Assert.False(users.Verify("person1", "", crypto));
        Assert.False(users.Verify("person3", "first secret", crypto));
        Assert.False(users.Verify(null, "first secret", crypto));
    }

    [Fact]
    public void Verify_UnknownUser_CostsTheSamePbkdf2AsAKnownOne()
    {
        var crypto = new TestCrypto();
        var users = TwoUsers(crypto);
        crypto.Iterations.Clear();
        users.Verify("person1", "wrong", crypto);
        users.Verify("nobody", "wrong", crypto);
        Assert.Equal(new[] { Iterations, Iterations }, crypto.Iterations);
    }

    [Fact]
    public void Passwords_AreUtf8Bytes_SurrogatePairsIncluded()
    {
        var crypto = new TestCrypto();
        var users = new UserDirectory(Iterations);
        Assert.Null(users.Add("anna", "pässwörd😀", crypto));
        Assert.True(users.Verify("anna", System.Text.Encoding.UTF8.GetBytes("pässwörd😀"), crypto));
        Assert.False(users.Verify("anna", "passwort😀", crypto));
    }

    [Fact]
    public void Add_ExistingName_AnyCase_IsRefused()
    {
        var crypto = new TestCrypto();
        var users = TwoUsers(crypto);
        Assert.Equal("user person2 exists", users.Add("PERSON2", "x", crypto));
        Assert.Equal(2, users.Count);
    }

    [Fact]
    public void Add_EmptyPassword_IsRefused()
    {
        var users = new UserDirectory(Iterations);
        Assert.Equal("an empty password is not allowed", users.Add("anna", "", new TestCrypto()));
        Assert.Equal("an empty password is not allowed", users.Add("anna", (byte[])null, new TestCrypto()));
        Assert.Equal(0, users.Count);
    }

    [Theory]
    [InlineData("person1", true)]
    [InlineData("first.last", true)]
    [InlineData("a!#$%&'*+-/=?^_`{|}~z", true)]
    [InlineData("x", true)]
    [InlineData("", false)]
    [InlineData("a@b", false)]
    [InlineData("a:b", false)]
    [InlineData("a b", false)]
    [InlineData("a\tb", false)]
    [InlineData(".a", false)]
    [InlineData("a.", false)]
    [InlineData("a..b", false)]
    [InlineData("#a", false)]
    [InlineData("a\"b", false)]
    [InlineData("a,b", false)]
    [InlineData("jörg", false)]
    public void UserNames_AreDotAtomLocalParts(string name, bool valid)
    {
        Assert.Equal(valid, UserName.IsValid(name));
        var users = new UserDirectory(Iterations);
        string problem = users.Add(name, "pw", new TestCrypto());
        Assert.Equal(valid, problem == null);
        if (!valid) Assert.StartsWith("invalid user name", problem);
    }

    [Fact]
    public void UserNames_AtMost64Characters()
    {
        Assert.True(UserName.IsValid(new string('a', 64)));
        Assert.False(UserName.IsValid(new string('a', 65)));
    }

    [Fact]
    public void SetPassword_ReplacesTheOldOne_KeepsTheFolder()
    {
        var crypto = new TestCrypto();
        var users = TwoUsers(crypto);
        users.Iterations = 2000;
        Assert.Null(users.SetPassword("PERSON1", "new secret", crypto));
        Assert.True(users.Verify("person1", "new secret", crypto));
        Assert.False(users.Verify("person1", "first secret", crypto));
        Assert.Equal("U0000001", users.MailboxFolder("person1"));
        Assert.Equal("no such user: nobody", users.SetPassword("nobody", "x", crypto));
        Assert.Equal("an empty password is not allowed", users.SetPassword("person1", "", crypto));
    }

    [Fact]
    public void Remove_ForgetsTheUser_FolderNumbersAreNeverReused()
    {
        var crypto = new TestCrypto();
        var card = new SimulatedStorage();
        var users = TwoUsers(crypto);
        Assert.Null(users.Remove("PERSON2"));
        Assert.Equal("no such user: person2", users.Remove("person2"));
        Assert.False(users.Verify("person2", "second secret", crypto));
        Assert.Null(users.Add("person3", "third", crypto));
        Assert.Equal("U0000003", users.MailboxFolder("person3"));

        // The next number survives the file, even when the highest-numbered user is gone.
        Assert.Null(users.Remove("person3"));
        users.Save(card);
        var reloaded = new UserDirectory(Iterations);
        Assert.Null(reloaded.Load(card));
        Assert.Null(reloaded.Add("person4", "fourth", crypto));
        Assert.Equal("U0000004", reloaded.MailboxFolder("person4"));
    }

    [Fact]
    public void SaveAndLoad_RoundTrip_KeepsNamesFoldersAndPasswords()
    {
        var crypto = new TestCrypto();
        var card = new SimulatedStorage();
        var users = TwoUsers(crypto);
        users.Iterations = 1500;
        users.SetPassword("person2", "changed", crypto);
        users.Save(card);
        card.Reboot();

        var loaded = new UserDirectory(); // other default: the stored counts still verify
        Assert.Null(loaded.Load(card));
        Assert.Equal(new[] { "person1", "person2" }, loaded.Names());
        Assert.Equal("U0000002", loaded.MailboxFolder("person2"));
        Assert.True(loaded.Verify("person1", "first secret", crypto));
        Assert.True(loaded.Verify("person2", "changed", crypto));
        Assert.Equal(new[] { "USERS.DAT" }, card.List());
        string text = ReadAll(card, UserDirectory.FileName);
        Assert.Contains("\nperson1:U0000001:pbkdf2-sha256$1000$", text);
        Assert.Contains("\nperson2:U0000002:pbkdf2-sha256$1500$", text);
        Assert.EndsWith("\n#end 2\n", text);
        Assert.DoesNotContain("secret", text);
    }

    [Fact]
    public void Load_NoFile_MeansNoUsers()
    {
        var users = new UserDirectory(Iterations);
        Assert.Null(users.Load(new SimulatedStorage()));
        Assert.Equal(0, users.Count);
        Assert.Null(users.Add("anna", "pw", new TestCrypto()));
        Assert.Equal("U0000001", users.MailboxFolder("anna"));
    }

    [Fact]
    public void Load_AHandWrittenFile_CrlfCommentsAndBlankLines()
    {
        var crypto = new TestCrypto();
        var source = new UserDirectory(Iterations);
        source.Add("anna", "pw", crypto);
        var scratch = new SimulatedStorage();
        source.Save(scratch);
        string line = ReadAll(scratch, UserDirectory.FileName).Split('\n').Single(l => l.StartsWith("anna:"));

        var card = new SimulatedStorage();
        WriteDurably(card, UserDirectory.FileName,
            "# users\r\n\r\n  " + line.Replace("anna:U0000001", "Anna:U0000041") + "  \r\n# a comment\r\n#end 1\r\n");
        var users = new UserDirectory(Iterations);
        Assert.Null(users.Load(card));
        Assert.True(users.Verify("anna", "pw", crypto));
        Assert.Equal("U0000041", users.MailboxFolder("ANNA"));
        users.Add("bert", "pw", crypto); // no #next-folder line: after the highest folder in the file
        Assert.Equal("U0000042", users.MailboxFolder("bert"));
    }
}
