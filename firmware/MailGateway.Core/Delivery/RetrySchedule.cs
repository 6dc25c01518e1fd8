// When to try a deferred message again (RFC 5321 §4.5.4.1): early retries front-loaded, later ones
// at least every 30 minutes and then every few hours, until queue.lifetime ends the attempts.
//
// queue.retry lists the waits after the 1st, 2nd, … failed attempt; the last wait repeats. The
// default, 5m, 10m, 20m, 40m, 1h, 2h, 4h, tries 7 times in the first 4 hours and then every 4
// hours: about 30 attempts in 4 days (Exim and OpenSMTPD sit close to this). Each wait gets up to
// ±10% jitter so that a queue that filled up while the uplink was down does not retry in one burst.
namespace MailGateway.Core.Delivery
{
    public sealed class RetrySchedule
    {
        public static readonly long[] DefaultWaitsMs =
        {
            5 * 60000L, 10 * 60000L, 20 * 60000L, 40 * 60000L, 60 * 60000L, 120 * 60000L, 240 * 60000L,
        };

        private readonly long[] _waitsMs;

        public RetrySchedule(long[] waitsMs)
        {
            _waitsMs = waitsMs;
        }

        public int Count { get { return _waitsMs.Length; } }
        public long WaitMs(int index) { return _waitsMs[index]; }

        /// <summary>The wait after the given number of failed attempts (1 = after the first), without jitter.</summary>
        public long BaseWaitMs(int failedAttempts)
        {
            int index = failedAttempts - 1;
            if (index < 0) index = 0;
            if (index >= _waitsMs.Length) index = _waitsMs.Length - 1;
            return _waitsMs[index];
        }

        /// <summary>The next attempt time: now + wait ± up to 10% (random in [0, 1000) per mille from the caller), on the caller's clock (the queue clock).</summary>
        public long NextAttemptMs(long nowMs, int failedAttempts, int randomPerMille)
        {
            long wait = BaseWaitMs(failedAttempts);
            long jitter = wait / 10 * (randomPerMille - 500) / 500;
            return nowMs + wait + jitter;
        }

        /// <summary>"5m, 10m, 1h" as text, for logs and the console.</summary>
        public string Describe()
        {
            string text = "";
            for (int i = 0; i < _waitsMs.Length; i++)
            {
                if (i > 0) text += ", ";
                text += Config.ConfigParser.FormatDuration(_waitsMs[i]);
            }
            return text;
        }
    }
}
