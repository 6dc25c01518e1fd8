// Sizes and durations as people read them: "812 B", "1.5 KiB", "3.2 MiB"; "45s", "12m", "5h", "3d".
// For the console and the log, never for anything parsed back.
namespace MailGateway.Core.Text
{
    public static class Sizes
    {
        public static string Bytes(long bytes)
        {
            if (bytes < 1024) return bytes.ToString() + " B";
            if (bytes < 1024L * 1024) return OneDecimal(bytes * 10 / 1024) + " KiB";
            if (bytes < 1024L * 1024 * 1024) return OneDecimal(bytes * 10 / (1024 * 1024)) + " MiB";
            return OneDecimal(bytes * 10 / (1024L * 1024 * 1024)) + " GiB";
        }

        public static string Duration(long ms)
        {
            if (ms < 0) ms = 0;
            long s = ms / 1000;
            if (s < 120) return s.ToString() + "s";
            if (s < 120 * 60) return (s / 60).ToString() + "m";
            if (s < 48 * 3600) return (s / 3600).ToString() + "h";
            return (s / 86400).ToString() + "d";
        }

        // tenths (e.g. 15) as "1.5"; whole numbers of ten or more without the decimal.
        private static string OneDecimal(long tenths)
        {
            if (tenths >= 100) return (tenths / 10).ToString();
            return (tenths / 10).ToString() + "." + (tenths % 10).ToString();
        }
    }
}
