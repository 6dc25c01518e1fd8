// One line of the memory budget: a part, what one of it holds (measured in .NET's layout and in
// nanoFramework's; the larger counts), how many the configuration allows at once, and the key that
// sets that number.
namespace MailGateway.Emulator.Budget
{
    public sealed class BudgetRow
    {
        public readonly string Part;
        public readonly long Each;
        public readonly long Count;
        public readonly string Key;
        /// <summary>True for native memory (TLS on the device), counted against board.native_heap instead of board.heap.</summary>
        public readonly bool Native;
        /// <summary>The measured bytes in each layout (ObjectSize); -1 for a figure the board gives (TLS).</summary>
        public readonly long DotNet = -1;
        public readonly long Nano = -1;

        public BudgetRow(string part, Weight each, long count, string key)
            : this(part, each.Budget, count, key)
        {
            DotNet = each.DotNet;
            Nano = each.Nano;
        }

        public BudgetRow(string part, long each, long count, string key, bool native = false)
        {
            Part = part;
            Each = each;
            Count = count;
            Key = key;
            Native = native;
        }

        public long Total => Each * Count;
    }
}
