// The checker is shown to catch what it claims to: each planted bug (a platform part wrapped to
// misbehave, `--plant NAME`) makes some seed of a small range fail with the invariant it breaks,
// while the same seeds without it pass; and a failing seed names the command that replays it.
using MailGateway.Emulator.Simulation.Worlds;

namespace MailGateway.Tests.Simulation;

public class PlantedBugTests
{
    private const int From = 1, To = 30;

    [Theory]
    [InlineData("sync-lies", "lost")]                          // a 250 before the message is on the card
    [InlineData("dns-timeout-nxdomain", "unjustified-bounce")] // a DNS timeout taken for a missing domain
    [InlineData("lose-rcp-record", "duplicate")]               // delivery progress never reaches the card
    public void PlantedBug_IsCaught_WithTheInvariantItBreaks(string plant, string invariant)
    {
        var output = new StringWriter();
        List<SeedResult> results = Campaign.Run(From, To, plant, false, output);
        SeedResult caught = results.FirstOrDefault(r => r.Violations.Any(v => v.Invariant == invariant));
        Assert.True(caught != null, "no seed in " + From + ".." + To + " caught " + plant + "\n" + output);
        Assert.Contains("\n  rerun: mailgw simulate campaign --seeds " + caught.Seed + ".." + caught.Seed + " --plant " + plant + "\n", output.ToString().Replace("\r\n", "\n"));
    }

    [Fact]
    public void TheSameSeeds_PassWithoutAPlantedBug()
    {
        var output = new StringWriter();
        List<SeedResult> results = Campaign.Run(From, To, null, false, output);
        Assert.True(results.All(r => !r.Failed), output.ToString());
    }
}
