// `mailgw simulate campaign`: seeded worlds with random faults on every path, each judged by the
// invariants (Checker). A modest range (150 seeds, a few seconds) runs here; .ci/run runs 500. Also: a seed replays
// exactly, the faults of the plan are really met, and the command line is small and strict.
using MailGateway.Emulator.Simulation;
using MailGateway.Emulator.Simulation.Worlds;

namespace MailGateway.Tests.Simulation;

public class CampaignTests
{
    [Fact]
    public void ModestCampaign_HoldsEveryInvariant_AndMeetsEveryKindOfFault()
    {
        var output = new StringWriter();
        List<SeedResult> results = Campaign.Run(1, 150, null, false, output);
        string report = output.ToString();
        Assert.True(results.All(r => !r.Failed), report);
        Assert.Contains("campaign: seeds 1..150: 150 worlds, 0 failed", report);

        var totals = new Dictionary<string, int>();
        foreach (SeedResult r in results)
        {
            foreach (var s in r.Stats) totals[s.Key] = totals.GetValueOrDefault(s.Key) + s.Value;
        }
        foreach (string met in new[]
        {
            "power cuts", "torn reboots", "power cuts in receive", "power cuts in recipient log", "power cuts in local delivery",
            "power cuts in POP3 deletion", "card faults hit", "connections reset", "connections stalled", "dns faults met",
            "sink faults met", "link faults met", "hosts down", "clock jumps", "greylisted", "lost replies", "pop3 deletions",
            "bounces", "delay warnings", "copies delivered",
        })
        {
            Assert.True(totals.GetValueOrDefault(met) > 0, "no world met: " + met + "\n" + report);
        }
    }

    [Fact]
    public void ASeed_ReplaysExactly()
    {
        SeedResult first = Campaign.RunSeed(7, null);
        SeedResult second = Campaign.RunSeed(7, null);
        Assert.Equal(first.World.Ledger.Events, second.World.Ledger.Events);
        Assert.Equal(first.World.Internet.Gateways.Select(g => g.Log).SelectMany(l => l), second.World.Internet.Gateways.Select(g => g.Log).SelectMany(l => l));
        Assert.Equal(first.Stats, second.Stats);
    }

    [Theory]
    [InlineData("simulate")]
    [InlineData("simulate story")]
    [InlineData("simulate campaign")]
    [InlineData("simulate campaign --seeds 9..3")]
    [InlineData("simulate campaign --seeds x")]
    [InlineData("simulate campaign --seeds 1..2 --plant nonsense")]
    [InlineData("simulate seed-story --verbose")]
    public void UsageErrors_Exit2(string commandLine)
    {
        Assert.Equal(2, MailGateway.Emulator.Program.Main(commandLine.Split(' ')));
    }

    [Theory]
    [InlineData("3", 3, 3)]
    [InlineData("1..500", 1, 500)]
    [InlineData("17..17", 17, 17)]
    public void SeedRanges_Parse(string text, int from, int to)
    {
        Assert.True(SimulateCommand.TryParseRange(text, out int a, out int b));
        Assert.Equal((from, to), (a, b));
    }
}
