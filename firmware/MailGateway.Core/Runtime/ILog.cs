// One line per event, already formatted in Postfix's style by the core (see Logging/MailLog).
namespace MailGateway.Core.Runtime
{
    public interface ILog
    {
        void Line(string text);
    }
}
