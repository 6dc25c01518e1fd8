// A delivery job factory for queue tests: what an attempt finds for a recipient is scripted by the
// recipient's domain (delivered, deferred or bounced, with the reply and host to report); domains
// with no script hang (the job never ends) until the test scripts them. Every attempt is recorded.
using MailGateway.Core.Delivery;
using MailGateway.Core.Spool;

namespace MailGateway.Tests.Delivery;

public sealed class ScriptedDeliveries : IDeliveryJobFactory
{
    public sealed record Script(int Result, string Status, string Reply, string RemoteHost);
    public sealed record Attempt(string QueueId, string[] Recipients, string DestinationKey, long AtMs);

    private readonly Dictionary<string, Script> _byDomain = new Dictionary<string, Script>();
    public readonly List<Attempt> Attempts = new List<Attempt>();

    public void Deliver(string domain) =>
        _byDomain[domain] = new Script(AttemptOutcome.Delivered, "2.0.0", "250 2.0.0 Ok: queued as REMOTE1", "mx." + domain + "[192.0.2.25]:25");

    public void Defer(string domain, string reply = "451 4.3.0 Try again later") =>
        _byDomain[domain] = new Script(AttemptOutcome.Transient, "4.3.0", reply, "mx." + domain + "[192.0.2.25]:25");

    public void Reject(string domain, string reply = "550 5.1.1 User unknown") =>
        _byDomain[domain] = new Script(AttemptOutcome.Permanent, "5.1.1", reply, "mx." + domain + "[192.0.2.25]:25");

    public void Hang(string domain) => _byDomain.Remove(domain);

    /// <summary>Attempts for the domain throw (a bug in a delivery job): the queue must contain it.</summary>
    public void Explode(string domain) =>
        _byDomain[domain] = new Script(-1, "", "planted bug in the delivery job", "");

    /// <summary>The next Pump throws this (a bug in what the jobs share, e.g. the DNS resolver).</summary>
    public Exception PumpThrows;

    public void Pump(long nowMs)
    {
        if (PumpThrows == null) return;
        Exception planted = PumpThrows;
        PumpThrows = null;
        throw planted;
    }

    public long PollDeadline() => long.MaxValue;

    public void Close(long nowMs)
    {
    }

    public IDeliveryJob Start(QueuedMessage message, int[] recipients, Destination destination, long nowMs)
    {
        Attempts.Add(new Attempt(message.QueueId, recipients.Select(r => message.Recipients[r].Address).ToArray(), destination.Key, nowMs));
        return new Job(this, message, recipients);
    }

    private sealed class Job : IDeliveryJob
    {
        private readonly ScriptedDeliveries _owner;
        private readonly QueuedMessage _message;
        private readonly int[] _recipients;
        private bool _aborted;

        public Job(ScriptedDeliveries owner, QueuedMessage message, int[] recipients)
        {
            _owner = owner;
            _message = message;
            _recipients = recipients;
        }

        public AttemptOutcome[] Outcomes { get; private set; }

        public bool Step(long nowMs)
        {
            if (_aborted) return true;
            var outcomes = new List<AttemptOutcome>();
            foreach (int r in _recipients)
            {
                if (!_owner._byDomain.TryGetValue(Domain(r), out Script s)) return false;
                if (s.Result < 0) throw new InvalidOperationException(s.Reply);
                outcomes.Add(new AttemptOutcome(r, s.Result, s.Status, s.Reply, s.RemoteHost));
            }
            Outcomes = outcomes.ToArray();
            return true;
        }

        // A scripted job ends at its next Step; a hanging one waits for the test.
        public long PollDeadline() => _aborted || _recipients.All(r => _owner._byDomain.ContainsKey(Domain(r))) ? 0 : long.MaxValue;

        private string Domain(int recipient)
        {
            string address = _message.Recipients[recipient].Address;
            return address.Substring(address.LastIndexOf('@') + 1);
        }

        public void Abort()
        {
            _aborted = true;
            Outcomes = _recipients.Select(r => new AttemptOutcome(r, AttemptOutcome.Transient, "4.3.2", "delivery stopped (shutdown)", "")).ToArray();
        }
    }
}
