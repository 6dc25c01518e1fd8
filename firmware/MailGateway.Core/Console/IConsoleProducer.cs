// Long console output (a queue listing, a message with a hundred recipients, the log) made a
// little at a time: the gateway calls Produce whenever the session has room for more, so the
// session's output buffer, not the size of the queue, bounds the memory a command takes.
namespace MailGateway.Core.Console
{
    public interface IConsoleProducer
    {
        /// <summary>Writes some more lines while the session has room; true when the output is complete.</summary>
        bool Produce(ConsoleSession session);

        /// <summary>The session ended before the output was complete: let go of what is still out (a DNS lookup).</summary>
        void Abandon();
    }
}
