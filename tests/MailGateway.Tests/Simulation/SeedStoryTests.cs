// `mailgw simulate seed-story`: the story of DESIGN.md, played end to end in the deterministic
// world, holds every step, and its transcript shows each of them as a person would follow it.
using MailGateway.Emulator.Simulation.Worlds;

namespace MailGateway.Tests.Simulation;

public class SeedStoryTests
{
    [Fact]
    public void SeedStory_HoldsEveryStep_AndTellsThemInItsTranscript()
    {
        var output = new StringWriter();
        Assert.Equal(0, SeedStory.Run(output));
        string text = output.ToString();
        Assert.DoesNotContain("FAILED", text);
        string[] expected =
        {
            "== 1. Relay control at A ==",
            "S: 554 5.7.1 <victim@ccc.de>: Relay access denied",
            "== 2. MX lookup: lowest preference first ==",
            "to=<person2@bbb.de>, relay=mx.bbb.de[10.0.0.2]:25",
            "== 3. No MX: the domain's A record ==",
            "relay=ddd.net[10.0.4.1]:25",
            "== 4. The best MX is down: the next one ==",
            "connect to mx1.ccc.de[10.0.3.1]:25: connection refused or unreachable",
            "relay=mx2.ccc.de[10.0.3.2]:25",
            "== 5. Every MX down: kept, retried, delivered when one returns ==",
            "to=<user@fff.org>, relay=none",
            "status=deferred",
            "to=<user@fff.org>, relay=mx2.fff.org[10.0.6.2]:25",
            "== 6. A 4xx reply is retried ==",
            "said: 450 4.7.1",
            "== 7. A 5xx reply is bounced to the sender ==",
            "dsn=5.1.1, status=bounced",
            "| Return-Path: <>",
            "| Action: failed",
            "== 8. The mailbox at B ==",
            "relay=local",
            "== 9. POP3 pickup ==",
            "C: RETR 1",
            "C: DELE 1",
            "seed story: every step held",
        };
        int at = 0;
        foreach (string line in expected)
        {
            int found = text.IndexOf(line, at, StringComparison.Ordinal);
            Assert.True(found >= 0, "the transcript does not show, in order: " + line + "\n" + text);
            at = found;
        }
    }

    [Fact]
    public void SeedStory_IsTheSameEveryTime()
    {
        var first = new StringWriter();
        var second = new StringWriter();
        SeedStory.Run(first);
        SeedStory.Run(second);
        Assert.Equal(first.ToString(), second.ToString());
    }
}
