// RFC 5322 §3.3 date-time text ("Sun, 29 Nov 2026 20:37:39 +0000") from Unix milliseconds.
// Computed by hand (days-to-civil conversion) because nanoFramework's DateTime API and .NET's
// differ, and the same core binary must run on both. Always UTC: the gateway keeps no time zone.
namespace MailGateway.Core.Text
{
    public static class RfcDate
    {
        private static readonly string[] DayNames = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
        private static readonly string[] MonthNames =
            { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

        public static string Format(long unixMs)
        {
            long seconds = FloorDiv(unixMs, 1000);
            long days = FloorDiv(seconds, 86400);
            long secondOfDay = seconds - days * 86400;
            int year, month, day;
            CivilFromDays(days, out year, out month, out day);
            int weekday = (int)(((days % 7) + 7) % 7); // 1970-01-01 was a Thursday
            return DayNames[weekday] + ", " + day.ToString() + " " + MonthNames[month - 1] + " " +
                   Ascii.Digits(year, 4) + " " + Ascii.Digits(secondOfDay / 3600, 2) + ":" +
                   Ascii.Digits(secondOfDay / 60 % 60, 2) + ":" + Ascii.Digits(secondOfDay % 60, 2) + " +0000";
        }

        /// <summary>Howard Hinnant's days_from_civil inverse: days since 1970-01-01 to a date.</summary>
        public static void CivilFromDays(long days, out int year, out int month, out int day)
        {
            long z = days + 719468;
            long era = FloorDiv(z, 146097);
            long dayOfEra = z - era * 146097;
            long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365;
            long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
            long mp = (5 * dayOfYear + 2) / 153;
            day = (int)(dayOfYear - (153 * mp + 2) / 5 + 1);
            month = (int)(mp < 10 ? mp + 3 : mp - 9);
            year = (int)(yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
        }

        private static long FloorDiv(long a, long b)
        {
            long q = a / b;
            if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
            return q;
        }
    }
}
