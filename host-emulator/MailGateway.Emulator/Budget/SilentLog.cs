// A log that keeps nothing: the budget builds real core objects only to measure them.
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Budget
{
    public sealed class SilentLog : ILog
    {
        public void Line(string text)
        {
        }
    }
}
