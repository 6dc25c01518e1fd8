// mailgw budget [--config FILE]: prints the memory budget of a configuration — each part's
// measured size, how many the limits allow, the key that sets that number — and the peak against
// board.heap, TLS against board.native_heap, sockets against board.sockets, with the margin left.
// Exit 0 when everything fits, 2 when something does not (each problem names the key to change).
using System;
using System.CommandLine;
using System.IO;
using MailGateway.Core.Config;

namespace MailGateway.Emulator.Budget
{
    public static class BudgetCommand
    {
        public static Command Command()
        {
            var config = Program.ConfigOption();
            var budget = new Command("budget", "print the memory and socket budget of a configuration against its board's heap");
            budget.Options.Add(config);
            budget.SetAction(parsed =>
            {
                string path = parsed.GetValue(config);
                GatewayConfig loaded = ConfigFile.Load(path, out string error);
                if (loaded == null)
                {
                    Console.Error.WriteLine("mailgw: " + error);
                    return 2;
                }
                MemoryBudget b = MemoryBudget.For(loaded);
                Print(b, path ?? "(embedded defaults)", Console.Out);
                return b.Problems().Count == 0 ? 0 : 2;
            });
            return budget;
        }

        public static void Print(MemoryBudget b, string source, TextWriter o)
        {
            GatewayConfig c = b.Config;
            o.WriteLine("memory budget of " + source);
            o.WriteLine(string.Format("{0,-24} {1,8} {2,8} {3,8} {4,6} {5,10}  {6}", "part", ".NET", "nano", "each", "count", "total", "count set by"));
            foreach (BudgetRow r in b.Rows)
            {
                if (r.Native) continue;
                o.WriteLine(string.Format("{0,-24} {1,8:N0} {2,8:N0} {3,8:N0} {4,6:N0} {5,10:N0}  {6}", r.Part, r.DotNet, r.Nano, r.Each, r.Count, r.Total, r.Key));
            }
            o.WriteLine(string.Format("{0,-24} {1,8} {2,8} {3,8} {4,6} {5,10:N0}  {6}", "peak (managed heap)", "", "", "", "", b.Peak,
                Against("board.heap", c.BoardHeapBytes, b.Peak, b.HeapMargin)));
            foreach (BudgetRow r in b.Rows)
            {
                if (!r.Native) continue;
                o.WriteLine(string.Format("{0,-24} {1,8} {2,8} {3,8:N0} {4,6:N0} {5,10:N0}  {6}; {7}", r.Part, "board", "board", r.Each, r.Count, r.Total, r.Key,
                    Against("board.native_heap", c.BoardNativeHeapBytes, b.NativePeak, b.NativeMargin)));
            }
            o.WriteLine();
            o.WriteLine(string.Format("{0,-28} {1,6}  {2}", "sockets", "count", "count set by"));
            foreach (BudgetRow r in b.SocketRows) o.WriteLine(string.Format("{0,-28} {1,6:N0}  {2}", r.Part, r.Total, r.Key));
            o.WriteLine(string.Format("{0,-28} {1,6:N0}  {2}", "sockets in all", b.Sockets,
                Against("board.sockets", c.BoardSockets, b.Sockets, b.SocketMargin)));
            o.WriteLine();
            o.WriteLine("Sizes are the real core objects, built with this configuration and weighed in bytes: \".NET\" as .NET (64-bit)");
            o.WriteLine("lays them out, \"nano\" by nanoFramework's heap rules (12-byte blocks: one per object and per field; byte");
            o.WriteLine("arrays and UTF-8 strings at their length); \"each\" is the larger. TLS is the board's figure, in native memory.");
            o.WriteLine("Recipients are measured at " + PartSizes.RecipientLength + " characters; longer addresses cost 2 bytes a character more.");
            foreach (string problem in b.Problems()) o.WriteLine("does not fit: " + problem);
        }

        private static string Against(string key, long limit, long used, double margin)
        {
            if (limit <= 0) return key + " not set: no limit";
            // Whole numbers, so that exactly a fifth left counts as a fifth.
            string verdict = used > limit ? "DOES NOT FIT" : used * 5 > limit * 4 ? "fits, less than 20% left" : "fits";
            return "of " + key + " = " + limit.ToString("N0") + ": " + (margin * 100).ToString("0.0") + "% left (" + verdict + ")";
        }
    }
}
