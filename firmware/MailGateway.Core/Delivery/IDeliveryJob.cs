// One delivery attempt in progress: some recipients of one message to one destination. Jobs are
// driven by the loop like the protocol machines: Step does what can be done now and never blocks.
namespace MailGateway.Core.Delivery
{
    public interface IDeliveryJob
    {
        /// <summary>Advances the attempt; true once it has finished and Outcomes are final.</summary>
        bool Step(long nowMs);

        /// <summary>When Step must run again at the latest (NoDeadline: only when I/O may have happened).</summary>
        long PollDeadline();

        /// <summary>One outcome per recipient the job was given, once Step returned true.</summary>
        AttemptOutcome[] Outcomes { get; }

        /// <summary>Stops at once (shutdown); every recipient not yet done is reported Transient.</summary>
        void Abort();
    }

    /// <summary>Starts jobs; the gateway provides the real one (DNS, sockets, SMTP client), tests their own.</summary>
    public interface IDeliveryJobFactory
    {
        IDeliveryJob Start(Spool.QueuedMessage message, int[] recipients, Destination destination, long nowMs);

        /// <summary>Runs what the jobs share (the DNS resolver), once per loop pass before the jobs step.</summary>
        void Pump(long nowMs);

        /// <summary>When Pump must run again at the latest.</summary>
        long PollDeadline();

        /// <summary>Closes whatever the factory keeps open between jobs (shutdown).</summary>
        void Close(long nowMs);
    }
}
