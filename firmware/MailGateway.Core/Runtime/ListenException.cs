// A listener the gateway could not open at start: which one (its address, port and protocol) and
// the platform's reason (InnerException), so the platform can say what to change.
namespace MailGateway.Core.Runtime
{
    public sealed class ListenException : System.Exception
    {
        public ListenException(string listener, int port, System.Exception reason)
            : base("cannot listen on " + listener + ": " + reason.Message, reason)
        {
            Listener = listener;
            Port = port;
        }

        /// <summary>"0.0.0.0:25 (SMTP)".</summary>
        public string Listener { get; private set; }
        public int Port { get; private set; }
    }
}
