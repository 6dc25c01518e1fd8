// NamePage (IStorage.ListAfter for platforms that list a folder only whole), against LINQ.
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Runtime;

public class NamePageTests
{
    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 1)]
    [InlineData(37, 4)]
    [InlineData(200, 16)]
    [InlineData(200, 500)]
    public void Select_IsTheSmallestNamesAfterTheCursor_InOrdinalOrder(int count, int max)
    {
        var rng = new Random(count * 31 + max);
        string[] all = Enumerable.Range(0, count).Select(_ => rng.Next(100_000).ToString("X8") + (rng.Next(2) == 0 ? ".MSG" : ".RCP")).Distinct().ToArray();
        foreach (string after in new[] { null, "00000000.MSG", all.Length > 0 ? all[all.Length / 2] : "M", "~" })
        {
            string[] expected = all.Where(n => after == null || string.CompareOrdinal(n, after) > 0)
                                   .OrderBy(n => n, StringComparer.Ordinal).Take(max).ToArray();
            Assert.Equal(expected, NamePage.Select(all, after, max));
        }
    }

    [Fact]
    public void Compare_IsOrdinal()
    {
        foreach (var (a, b) in new[] { ("A", "B"), ("9", "A"), ("ABC", "AB"), ("Z", "_"), ("a", "Z"), ("", "A") })
            Assert.Equal(Math.Sign(string.CompareOrdinal(a, b)), Math.Sign(NamePage.Compare(a, b)));
    }
}
