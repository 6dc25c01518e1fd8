// A users file that is damaged or incomplete is never half-loaded: Load returns a text naming the
// file, the line and the problem, does not throw, and leaves the directory as it was.
using MailGateway.Core.Local;
using MailGateway.Emulator.Simulation;
using static MailGateway.Tests.Local.UsersCard;

namespace MailGateway.Tests.Local;

public class DamagedUsersFileTests
{
    private static readonly string Valid = MakeValid();

    private static string MakeValid()
    {
        var users = new UserDirectory(1000);
        var crypto = new TestCrypto();
        users.Add("person1", "one", crypto);
        users.Add("person2", "two", crypto);
        var card = new SimulatedStorage();
        users.Save(card);
        return ReadAll(card, UserDirectory.FileName);
    }

    private static string Line(string prefix) => Valid.Split('\n').Single(l => l.StartsWith(prefix));

    private static string LoadProblem(string text)
    {
        var card = new SimulatedStorage();
        WriteDurably(card, UserDirectory.FileName, text);
        var users = new UserDirectory(1000);
        users.Add("keeper", "pw", new TestCrypto());
        string problem = users.Load(card);
        if (problem != null) Assert.Equal(new[] { "keeper" }, users.Names()); // unchanged
        return problem;
    }

    [Fact]
    public void TheValidFile_Loads()
    {
        Assert.Null(LoadProblem(Valid));
        Assert.Null(LoadProblem(Valid.Replace("\n", "\r\n")));
    }

    public static IEnumerable<object[]> Damaged()
    {
        string p1 = Line("person1:");
        string p2 = Line("person2:");
        string hash = p1.Substring("person1:U0000001:".Length);
        string[] parts = hash.Split('$');
        yield return new object[] { Valid.Replace("#end 2\n", ""), "USERS.DAT: incomplete: no #end line at the end" };
        yield return new object[] { Valid.Replace("#end 2", "#end 3"), "USERS.DAT:6: #end says 3 users, the file has 2" };
        yield return new object[] { Valid.Replace("#end 2", "#end"), "USERS.DAT:6: #end needs the number of users" };
        yield return new object[] { Valid + "person3:U0000003:" + hash + "\n", "USERS.DAT:7: text after the #end line" };
        yield return new object[] { Valid.Replace(p2, p1.Replace("U0000001", "U0000002")), "USERS.DAT:5: user person1 appears twice" };
        yield return new object[] { Valid.Replace(p2, p2.Replace("person2", "PERSON1")), "USERS.DAT:5: user person1 appears twice" };
        yield return new object[] { Valid.Replace(p2, p2.Replace("U0000002", "U0000001")), "USERS.DAT:5: users person1 and person2 share the folder U0000001" };
        yield return new object[] { Valid.Replace(p1, p1.Replace("U0000001", "u1.x")), "USERS.DAT:4: the mailbox folder \"u1.x\" is not an 8.3 name without extension" };
        yield return new object[] { Valid.Replace(p1, p1.Replace("person1", "per son")), "USERS.DAT:4: a user name may contain only" };
        yield return new object[] { Valid.Replace(p1, "person1:U0000001"), "USERS.DAT:4: expected name:mailbox-folder:password-hash" };
        yield return new object[] { Valid.Replace(p1, p1.Replace("pbkdf2-sha256", "md5")), "USERS.DAT:4: the password hash is not pbkdf2-sha256" };
        yield return new object[] { Valid.Replace(p1, p1.Replace("$1000$", "$x$")), "USERS.DAT:4: the iteration count is not a number" };
        yield return new object[] { Valid.Replace(p1, p1.Replace("$1000$", "$0$")), "USERS.DAT:4: the iteration count is not a number" };
        yield return new object[] { Valid.Replace(p1, p1.Replace(parts[2], "!!!!")), "USERS.DAT:4: the salt is not base64" };
        yield return new object[] { Valid.Replace(p1, p1.Replace(parts[3], parts[3].Substring(1))), "USERS.DAT:4: the hash is not base64" };
        yield return new object[] { Valid.Replace(p1, p1 + "$more"), "USERS.DAT:4: the password hash does not have four" };
        yield return new object[] { Valid.Replace(p1, p1.Replace("person1", "pérson1")), "USERS.DAT:4: a character that is not printable ASCII" };
        yield return new object[] { Valid.Replace("#next-folder 3", "#next-folder many"), "USERS.DAT:3: #next-folder needs a number" };
    }

    [Theory]
    [MemberData(nameof(Damaged))]
    public void Damaged_ReturnsFileLineAndProblem(string text, string problem)
    {
        Assert.StartsWith(problem, LoadProblem(text));
    }

    [Fact]
    public void EveryTruncation_IsDetected()
    {
        // Cut anywhere before the final "#end 2" is whole: always a problem, never fewer users.
        // (Empty is the one exception: that is what an interrupted first save leaves, and it
        // means no users, as no file does.)
        int whole = Valid.Length - 1; // without the last LF the file is still complete
        Assert.Null(LoadProblem(""));
        for (int length = 1; length < whole; length++)
        {
            Assert.NotNull(LoadProblem(Valid.Substring(0, length)));
        }
        Assert.Null(LoadProblem(Valid.Substring(0, whole)));
    }

    [Fact]
    public void AnUnreadableFile_IsAProblemNotAnException()
    {
        var card = new SimulatedStorage();
        WriteDurably(card, UserDirectory.FileName, Valid);
        card.FailNext(StorageOperation.OpenRead, new IOException("card removed"));
        Assert.Equal("USERS.DAT: cannot read: card removed", new UserDirectory().Load(card));
    }
}
