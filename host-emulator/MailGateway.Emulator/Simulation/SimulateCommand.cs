// mailgw simulate: the deterministic simulations, from the command line.
//   mailgw simulate seed-story                         the story of DESIGN.md, step by step, with a transcript
//   mailgw simulate campaign --seeds A..B [--plant NAME] [--verbose]
//                                                      seeded worlds with random faults, each judged by the invariants
// Exit codes: 0 every step or invariant held, 1 a violation (each failing seed is printed with the
// command that replays it alone), 2 a usage error. The parsing is kept here and small.
using System;
using MailGateway.Emulator.Simulation.Worlds;

namespace MailGateway.Emulator.Simulation
{
    public static class SimulateCommand
    {
        /// <summary>The usage lines, indented to follow Program's "usage: mailgw run …".</summary>
        public const string Usage =
            "       mailgw simulate seed-story\n" +
            "       mailgw simulate campaign --seeds A..B [--plant sync-lies|dns-timeout-nxdomain|lose-rcp-record] [--verbose]\n";

        private static void PrintUsage()
        {
            Console.Error.Write("usage: " + Usage.TrimStart());
        }

        public static int Run(string[] args)
        {
            if (args.Length >= 2 && args[1] == "seed-story" && args.Length == 2) return SeedStory.Run(Console.Out);
            if (args.Length >= 2 && args[1] == "campaign") return Campaign(args);
            PrintUsage();
            return 2;
        }

        private static int Campaign(string[] args)
        {
            int from = -1, to = -1;
            string plant = null;
            bool verbose = false;
            for (int i = 2; i < args.Length; i++)
            {
                if (args[i] == "--seeds" && i + 1 < args.Length && TryParseRange(args[++i], out from, out to)) continue;
                if (args[i] == "--plant" && i + 1 < args.Length && PlantedBugs.IsKnown(args[i + 1]))
                {
                    plant = args[++i];
                    continue;
                }
                if (args[i] == "--verbose")
                {
                    verbose = true;
                    continue;
                }
                Console.Error.WriteLine("mailgw simulate campaign: unexpected argument \"" + args[i] + "\"");
                PrintUsage();
                return 2;
            }
            if (from < 0)
            {
                Console.Error.WriteLine("mailgw simulate campaign: --seeds A..B is required");
                return 2;
            }
            var results = Worlds.Campaign.Run(from, to, plant, verbose, Console.Out);
            foreach (SeedResult r in results)
            {
                if (r.Failed) return 1;
            }
            return 0;
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
