// The running gateway's view of the users file (host): password checks run off the loop's thread
// and are collected by polling; a changed file is loaded again.
using MailGateway.Core.Local;
using MailGateway.Emulator;
using MailGateway.Emulator.Platform;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Local;

public sealed class LocalUsersTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-users-" + Guid.NewGuid().ToString("N"));
    private readonly HostStorage _storage;

    public LocalUsersTests()
    {
        _storage = new HostStorage(_dir);
        var directory = new UserDirectory(1000);
        Assert.Null(directory.Add("person1", "right", new HostCrypto()));
        directory.Save(_storage);
    }

    public void Dispose()
    {
        _storage.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private static int Await(LocalUsers users, int handle)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        int result;
        while ((result = users.PollVerify(handle)) < 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the password check never ended");
            Thread.Sleep(1);
        }
        return result;
    }

    [Theory]
    [InlineData("person1", "right", 1)]
    [InlineData("person1", "wrong", 0)]
    [InlineData("PERSON1", "right", 1)]
    [InlineData("nobody", "right", 0)]
    public void PasswordChecks_EndWithTheRightAnswer(string user, string password, int expected)
    {
        var users = new LocalUsers(_storage, new ListLog(new List<string>()));
        Assert.Null(users.Load());
        Assert.Equal(expected, Await(users, users.BeginVerify(user, password)));
    }

    [Fact]
    public void AResultIsHandedOutOnce()
    {
        var users = new LocalUsers(_storage, new ListLog(new List<string>()));
        Assert.Null(users.Load());
        int handle = users.BeginVerify("person1", "right");
        Assert.Equal(1, Await(users, handle));
        Assert.Throws<KeyNotFoundException>(() => users.PollVerify(handle));
    }

    [Fact]
    public void ChangedFile_IsLoadedAgain()
    {
        var log = new List<string>();
        var users = new LocalUsers(_storage, new ListLog(log));
        Assert.Null(users.Load());
        Assert.False(users.Exists("person2"));
        var directory = new UserDirectory(1000);
        Assert.Null(directory.Load(_storage));
        Assert.Null(directory.Add("person2", "pw", new HostCrypto()));
        directory.Save(_storage);
        File.SetLastWriteTimeUtc(Path.Combine(_dir, UserDirectory.FileName), DateTime.UtcNow.AddSeconds(5));
        Assert.True(users.ReloadIfChanged());
        Assert.True(users.Exists("person2"));
        Assert.Contains("users file reloaded: 2 user(s)", log);
    }
}
