// Runs seeded worlds one after another (CampaignWorld), judges each (Checker), and reports: one
// block per failing seed — its violations and the one command that replays it alone — and a
// summary of what the worlds did (messages, copies, faults met). The output depends on the seeds
// and nothing else, so two runs can be compared line by line.
using System;
using System.Collections.Generic;
using System.IO;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public sealed class SeedResult
    {
        public int Seed;
        public List<Violation> Violations = new List<Violation>();
        public SortedDictionary<string, int> Stats;
        public World World;
        public bool Failed => Violations.Count > 0;
    }

    public static class Campaign
    {
        /// <summary>Plays and judges one seed's world.</summary>
        public static SeedResult RunSeed(int seed, string plant)
        {
            var result = new SeedResult { Seed = seed };
            World world = null;
            try
            {
                world = CampaignWorld.Build(seed, plant);
                result.World = world;
                CampaignWorld.Play(world);
                Checker.Check(world);
            }
            catch (Exception e)
            {
                world?.Ledger.Violate("world-crashed", e.GetType().Name + ": " + e.Message + "\n" + e.StackTrace);
                if (world == null) result.Violations.Add(new Violation("world-crashed", e.ToString()));
            }
            if (world != null)
            {
                result.Violations.AddRange(world.Ledger.Violations);
                result.Stats = Summarize(world);
            }
            return result;
        }

        /// <summary>Runs seeds from..to; writes the report; returns the results.</summary>
        public static List<SeedResult> Run(int from, int to, string plant, bool verbose, TextWriter output)
        {
            var results = new List<SeedResult>();
            var totals = new SortedDictionary<string, int>(StringComparer.Ordinal);
            int failed = 0;
            for (int seed = from; seed <= to; seed++)
            {
                SeedResult r = RunSeed(seed, plant);
                results.Add(r);
                if (r.Stats != null)
                {
                    foreach (KeyValuePair<string, int> s in r.Stats)
                    {
                        totals.TryGetValue(s.Key, out int before);
                        totals[s.Key] = before + s.Value;
                    }
                }
                if (verbose && r.World != null) WriteWorld(r.World, output);
                if (r.Failed)
                {
                    failed++;
                    output.WriteLine("seed " + seed + ": FAILED, " + r.Violations.Count + " violation(s)");
                    foreach (Violation v in r.Violations) output.WriteLine("  " + v);
                    output.WriteLine("  rerun: " + RerunCommand(seed, plant));
                }
                else if (verbose)
                {
                    output.WriteLine("seed " + seed + ": ok");
                }
                r.World = verbose || to == from ? r.World : null; // keep memory flat over long campaigns
            }
            if (failed > 0 && !verbose) output.WriteLine("(add --verbose to a rerun for the world's events and both gateways' logs)");
            output.WriteLine("campaign: seeds " + from + ".." + to + (plant != null ? " with planted bug " + plant : "") + ": " +
                             results.Count + " worlds, " + failed + " failed");
            var parts = new List<string>();
            foreach (KeyValuePair<string, int> t in totals) parts.Add(t.Key + " " + t.Value);
            output.WriteLine("  " + string.Join(", ", parts));
            return results;
        }

        public static string RerunCommand(int seed, string plant)
        {
            return "mailgw simulate campaign --seeds " + seed + ".." + seed + (plant != null ? " --plant " + plant : "");
        }

        private static SortedDictionary<string, int> Summarize(World world)
        {
            Ledger l = world.Ledger;
            var stats = new SortedDictionary<string, int>(l.Stats, StringComparer.Ordinal);
            stats["messages"] = l.Messages.Count;
            stats["recipients accepted"] = l.Accepted.Count;
            int copies = 0, bounces = 0, warnings = 0;
            foreach (Copy c in l.Copies)
            {
                if (c.Tag != null) copies++;
                else if (c.ReportAbout != null)
                {
                    bool failed = false;
                    foreach (KeyValuePair<string, string> a in c.ReportActions) failed |= a.Value == "failed";
                    if (failed) bounces++;
                    else warnings++;
                }
            }
            stats["copies delivered"] = copies;
            stats["bounces"] = bounces;
            stats["delay warnings"] = warnings;
            stats["lost replies"] = l.LostReplies.Count;
            return stats;
        }

        private static void WriteWorld(World world, TextWriter output)
        {
            output.WriteLine("---- world " + world.Seed + " ----");
            foreach (string e in world.Ledger.Events) output.WriteLine(e);
            foreach (GatewayNode g in world.Internet.Gateways)
            {
                output.WriteLine("---- log of " + g.Name + " ----");
                foreach (string line in g.Log) output.WriteLine(line);
            }
        }
    }
}
