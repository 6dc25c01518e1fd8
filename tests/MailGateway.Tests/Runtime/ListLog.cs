// ILog into a list, for tests that read what the gateway logged (thread-safe: a loop thread may write).
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Runtime;

public sealed class ListLog : ILog
{
    private readonly List<string> _lines;

    public ListLog(List<string> lines) { _lines = lines; }

    public void Line(string text)
    {
        lock (_lines) _lines.Add(text);
    }
}
