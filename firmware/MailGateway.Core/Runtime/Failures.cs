// How the loop contains failures (DESIGN: the loop never dies). Every unit of work — one SMTP or
// POP3 session, one delivery job, one message's housekeeping, the DNS pump, a timer — runs inside
// its own catch; an exception that escapes one is logged in Postfix's style ("warning: <who>:
// internal error in <what>: <type>: <message>") and ends only that unit: the session is closed with
// 421, the attempt counts as deferred. Everyone else is served on.
// PlatformHalt is the one exception that is not contained: the platform says the machine itself
// has stopped (the simulator's power cut), so nothing may carry on after it.
namespace MailGateway.Core.Runtime
{
    /// <summary>Thrown by a platform whose machine has stopped (power lost): never contained.</summary>
    public class PlatformHalt : System.Exception
    {
        public PlatformHalt(string message) : base(message)
        {
        }
    }

    public static class Failures
    {
        /// <summary>"InvalidOperationException: the message", for the log.</summary>
        public static string Describe(System.Exception e)
        {
            return e.GetType().Name + ": " + e.Message;
        }

        /// <summary>True for PlatformHalt: the caller must rethrow it, not contain it.</summary>
        public static bool IsHalt(System.Exception e)
        {
            return e is PlatformHalt;
        }
    }
}
