// File names in the spool folder, all 8.3 so the FAT card keeps them:
//   QQQQQQQQ.TMP  a message being received; never delivered; deleted at start-up
//   QQQQQQQQ.MSG  a committed message (envelope + body + end record); created by renaming the .TMP
//   QQQQQQQQ.RCP  per-recipient delivery progress, append-only
//   QQQQQQQQ.BAD  a message that failed validation at start-up, set aside for the operator
// QQQQQQQQ is the queue ID: 8 characters of base 32 (0-9, A-V), from the time and a counter.
namespace MailGateway.Core.Spool
{
    public static class SpoolNames
    {
        public const string Temporary = ".TMP";
        public const string Message = ".MSG";
        public const string Recipients = ".RCP";
        public const string Quarantine = ".BAD";

        private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

        /// <summary>A queue ID from Unix seconds (28 bits, wraps after 8.5 years) and a 12-bit counter.</summary>
        public static string MakeQueueId(long unixSeconds, int counter)
        {
            long value = ((unixSeconds & 0xFFFFFFF) << 12) | (long)(counter & 0xFFF);
            char[] chars = new char[8];
            for (int i = 7; i >= 0; i--)
            {
                chars[i] = Digits[(int)(value & 31)];
                value >>= 5;
            }
            return new string(chars);
        }

        /// <summary>The queue ID part of a spool file name, or null when the name is not one of ours.</summary>
        public static string QueueIdOf(string fileName, string extension)
        {
            if (fileName.Length != 8 + extension.Length) return null;
            if (!Text.Ascii.EqualsIgnoreCase(fileName.Substring(8), extension)) return null;
            return fileName.Substring(0, 8);
        }
    }
}
