// File names in the spool folder, all 8.3 so the FAT card keeps them:
//   QQQQQQQQ.TMP  a message being received; never delivered; deleted at start-up
//   QQQQQQQQ.MSG  a committed message (envelope + body + end record); created by renaming the .TMP
//   QQQQQQQQ.RCP  per-recipient delivery progress, append-only
//   QQQQQQQQ.BAD  a message that failed validation at start-up, set aside for the operator
//   QUEUEIDS.A/.B where the queue ID sequence stands (QueueIds)
// QQQQQQQQ is the queue ID: 8 characters of base 32 (0-9, A-V), a sequence that never repeats.
namespace MailGateway.Core.Spool
{
    public static class SpoolNames
    {
        public const string Temporary = ".TMP";
        public const string Message = ".MSG";
        public const string Recipients = ".RCP";
        public const string Quarantine = ".BAD";

        private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

        /// <summary>The queue ID of a 40-bit sequence number (QueueIds), 8 characters of base 32.</summary>
        public static string MakeQueueId(long value)
        {
            char[] chars = new char[8];
            for (int i = 7; i >= 0; i--)
            {
                chars[i] = Digits[(int)(value & 31)];
                value >>= 5;
            }
            return new string(chars);
        }

        /// <summary>The sequence number of a queue ID; -1 when it is not 8 base-32 characters (a variant name).</summary>
        public static long ParseQueueId(string id)
        {
            if (id == null || id.Length != 8) return -1;
            long value = 0;
            for (int i = 0; i < 8; i++)
            {
                int digit = Digits.IndexOf(Text.Ascii.ToUpper(id[i]));
                if (digit < 0) return -1;
                value = (value << 5) | (long)digit;
            }
            return value;
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
