// mailgw simulate: the deterministic simulations, from the command line.
//   mailgw simulate seed-story                         the story of DESIGN.md, step by step, with a transcript
//   mailgw simulate campaign --seeds A..B [--plant NAME] [--verbose]
//                                                      seeded worlds with random faults, each judged by the invariants
// Exit codes: 0 every step or invariant held, 1 a violation (each failing seed is printed with the
// command that replays it alone), 2 a usage error (Program reports what the parser refused).
using System;
using System.CommandLine;
using MailGateway.Emulator.Simulation.Worlds;

namespace MailGateway.Emulator.Simulation
{
    public static class SimulateCommand
    {
        /// <summary>mailgw simulate seed-story | campaign.</summary>
        public static Command Command()
        {
            var story = new Command("seed-story", "play DESIGN's story end to end, with a transcript; exit 0 only if every step held");
            story.SetAction(_ => SeedStory.Run(Console.Out));

            var seeds = new Option<string>("--seeds")
            {
                Description = "the seeds to play: A..B, or one N",
                HelpName = "A..B",
                Required = true,
            };
            seeds.Validators.Add(result =>
            {
                if (!TryParseRange(result.GetValueOrDefault<string>() ?? "", out _, out _)) result.AddError("--seeds takes A..B (0 <= A <= B) or N");
            });
            var plant = new Option<string>("--plant") { Description = "wrap a platform part in a planted bug the checker must catch", HelpName = "NAME" };
            plant.AcceptOnlyFromAmong(PlantedBugs.Names);
            var verbose = new Option<bool>("--verbose") { Description = "print each failing world's events and both gateways' logs" };
            var campaign = new Command("campaign", "play seeded worlds with random faults on every path; each is judged by the invariants");
            campaign.Options.Add(seeds);
            campaign.Options.Add(plant);
            campaign.Options.Add(verbose);
            campaign.SetAction(parsed =>
            {
                TryParseRange(parsed.GetValue(seeds), out int from, out int to);
                var results = Worlds.Campaign.Run(from, to, parsed.GetValue(plant), parsed.GetValue(verbose), Console.Out);
                foreach (SeedResult r in results)
                {
                    if (r.Failed) return 1;
                }
                return 0;
            });

            var simulate = new Command("simulate", "deterministic simulations of whole gateways on simulated cards, networks and clocks");
            simulate.Subcommands.Add(story);
            simulate.Subcommands.Add(campaign);
            return simulate;
        }

        /// <summary>"A..B" (or "N") with 0 &lt;= A &lt;= B.</summary>
        public static bool TryParseRange(string text, out int from, out int to)
        {
            from = to = -1;
            int dots = text.IndexOf("..", StringComparison.Ordinal);
            string a = dots < 0 ? text : text.Substring(0, dots);
            string b = dots < 0 ? text : text.Substring(dots + 2);
            if (!int.TryParse(a, System.Globalization.NumberStyles.None, null, out int x) ||
                !int.TryParse(b, System.Globalization.NumberStyles.None, null, out int y) || x > y)
            {
                return false;
            }
            from = x;
            to = y;
            return true;
        }
    }
}
