// `mailgw user` as an administrator (or a script) runs it, against the real process: passwords
// come from standard input, mistakes give exit code 2 and a plain message, the users file lands
// in the configured spool.dir, and neither the password nor its hash is ever printed or stored
// in plain text.
using MailGateway.Core.Local;
using MailGateway.Emulator.Platform;
using MailGateway.Tests.Host;

namespace MailGateway.Tests.Local;

public class UserCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-user-" + Guid.NewGuid().ToString("N"));
    private readonly string _config;
    private readonly string _data;

    public UserCommandTests()
    {
        Directory.CreateDirectory(_dir);
        _data = Path.Combine(_dir, "data");
        _config = Path.Combine(_dir, "gw.conf");
        File.WriteAllText(_config, "hostname = gw.test\nspool.dir = " + _data + "\n");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private int User(string arguments, string stdin, out string output)
    {
        return MailgwProcess.RunToEnd("user " + arguments + " --config " + _config, stdin, out output);
    }

    private UserDirectory Users()
    {
        using var storage = new HostStorage(_data);
        var users = new UserDirectory();
        Assert.Null(users.Load(storage));
        return users;
    }

    private string UsersFileText() => File.ReadAllText(Path.Combine(_data, UserDirectory.FileName));

    [Fact]
    public void Add_TakesThePasswordFromTheFirstLineOfStdin()
    {
        Assert.Equal(0, User("add Person2 --iterations 1000", "correct horse\nignored line\n", out string output));
        Assert.Contains("user person2 added, mailbox folder U0000001", output);
        Assert.True(Users().Verify("person2", "correct horse", new HostCrypto()));
        Assert.False(Users().Verify("person2", "correct horse\nignored line", new HostCrypto()));
        Assert.DoesNotContain("correct horse", output);
        Assert.DoesNotContain("correct horse", UsersFileText());
        Assert.DoesNotContain(UsersFileText().Split('\n')[3].Split('$')[3], output); // the hash
    }

    [Fact]
    public void Add_StoresTheHostIterationCount_WithoutAnOption()
    {
        Assert.Equal(0, User("add anna", "pw\r\n", out _));
        Assert.Contains("anna:U0000001:pbkdf2-sha256$" + MailGateway.Emulator.UserCommand.HostIterations + "$", UsersFileText());
        Assert.True(Users().Verify("anna", "pw", new HostCrypto())); // CRLF is not part of the password
    }

    [Fact]
    public void Add_AnExistingUser_AnyCase_IsRefused()
    {
        Assert.Equal(0, User("add person2 --iterations 1000", "one\n", out _));
        string before = UsersFileText();
        Assert.Equal(2, User("add PERSON2 --iterations 1000", "two\n", out string output));
        Assert.Contains("mailgw: user person2 exists", output);
        Assert.Equal(before, UsersFileText());
    }

    [Theory]
    [InlineData("add anna", "\n", "an empty password is not allowed")]
    [InlineData("add anna", "", "an empty password is not allowed")]
    [InlineData("add anna", null, "an empty password is not allowed")]
    [InlineData("add a:b", "pw\n", "invalid user name \"a:b\"")]
    [InlineData("add a@b", "pw\n", "invalid user name \"a@b\"")]
    [InlineData("passwd nobody", "pw\n", "no such user: nobody")]
    [InlineData("del nobody", null, "no such user: nobody")]
    [InlineData("add", "pw\n", "Required argument 'NAME' missing for command: 'add'")]
    [InlineData("rename anna", null, "Unrecognized command or argument 'rename'")]
    [InlineData("add anna bert", "pw\n", "Unrecognized command or argument 'bert'")]
    [InlineData("list anna", null, "Unrecognized command or argument 'anna'")]
    [InlineData("add anna --iterations 10", "pw\n", "--iterations must be a whole number")]
    public void Mistakes_ExitWith2_AndSaySo(string arguments, string stdin, string message)
    {
        Assert.Equal(2, User(arguments, stdin, out string output));
        Assert.Contains(message, output);
        Assert.False(File.Exists(Path.Combine(_data, UserDirectory.FileName)));
    }

    [Fact]
    public void Passwd_ReplacesThePassword()
    {
        Assert.Equal(0, User("add anna --iterations 1000", "old password\n", out _));
        Assert.Equal(0, User("passwd ANNA --iterations 1000", "new password\n", out string output));
        Assert.Contains("password of anna changed", output);
        var users = Users();
        Assert.True(users.Verify("anna", "new password", new HostCrypto()));
        Assert.False(users.Verify("anna", "old password", new HostCrypto()));
        Assert.Equal("U0000001", users.MailboxFolder("anna"));
        Assert.Equal(2, User("passwd anna", "\n", out output));
        Assert.Contains("an empty password is not allowed", output);
    }

    [Fact]
    public void ListAndDel_ShowNamesAndFolders_NeverHashes()
    {
        Assert.Equal(0, User("list", null, out string output));
        Assert.Equal("", output);
        Assert.Equal(0, User("add zoe --iterations 1000", "z\n", out _));
        Assert.Equal(0, User("add anna --iterations 1000", "a\n", out _));
        Assert.Equal(0, User("list", null, out output));
        Assert.Equal("anna U0000002\nzoe U0000001", output);

        Assert.Equal(0, User("del Zoe", null, out output));
        Assert.Contains("user zoe removed; mailbox folder U0000001 stays on the card", output);
        Assert.Equal(0, User("list", null, out output));
        Assert.Equal("anna U0000002", output);
        Assert.Equal(2, User("del zoe", null, out output));
        Assert.Contains("no such user: zoe", output);

        // A new user never gets the removed user's folder (and mail).
        Assert.Equal(0, User("add zoe --iterations 1000", "z\n", out output));
        Assert.Contains("mailbox folder U0000003", output);
        Assert.DoesNotContain("pbkdf2", output);
    }

    [Fact]
    public void ADamagedUsersFile_IsReportedWithItsLine_AndLeftAlone()
    {
        Directory.CreateDirectory(_data);
        string file = Path.Combine(_data, UserDirectory.FileName);
        File.WriteAllText(file, "anna:U0000001:pbkdf2-sha256$1000$AAAA$BBBB\n#end 1\n");
        Assert.Equal(1, User("add bert", "pw\n", out string output));
        Assert.Contains(file + ":1: the hash is not base64", output);
        Assert.Equal("anna:U0000001:pbkdf2-sha256$1000$AAAA$BBBB\n#end 1\n", File.ReadAllText(file));
    }

    [Fact]
    public void Help_ListsTheUserCommands_AndTheirOptions()
    {
        Assert.Equal(0, MailgwProcess.RunToEnd("user --help", out string output));
        foreach (string command in new[] { "add", "passwd", "del", "list" }) Assert.Contains("\n  " + command + " ", output);
        Assert.Equal(0, MailgwProcess.RunToEnd("user add --help", out output));
        Assert.Contains("mailgw user add <NAME> [options]", output);
        Assert.Contains("--config <FILE>", output);
        Assert.Contains("--iterations <N>", output);
    }
}
