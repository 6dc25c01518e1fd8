// Feeds a session the way a client that reads its replies does: a session stops reading commands
// while a few reply bytes wait (SmtpServerSession.MaxPendingOutput), so whatever it does not take
// at once is offered again after its replies have been read. The replies read meanwhile are kept,
// so Output still returns everything the session said.
using System.Runtime.CompilerServices;
using System.Text;
using MailGateway.Core.Smtp;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Smtp;

internal static class ReadingClient
{
    private static readonly ConditionalWeakTable<SmtpServerSession, StringBuilder> Heard = new();

    /// <summary>Offers text until the session takes no more even with its replies read; returns the bytes taken.</summary>
    public static int Feed(SmtpServerSession session, string text, long nowMs = 1_000_000)
    {
        byte[] bytes = Transcript.Latin1(text);
        int at = 0;
        while (at < bytes.Length)
        {
            int n = session.Receive(bytes, at, bytes.Length - at, nowMs);
            at += n;
            if (at == bytes.Length) break;
            string read = Read(session);
            Heard.GetOrCreateValue(session).Append(read);
            if (n == 0 && read.Length == 0) break;
        }
        return at;
    }

    /// <summary>Everything the session said since the last call: what Feed read on the way, and what waits now.</summary>
    public static string Output(SmtpServerSession session)
    {
        StringBuilder heard = Heard.GetOrCreateValue(session);
        string all = heard + Read(session);
        heard.Clear();
        return all;
    }

    private static string Read(SmtpServerSession session)
    {
        var buffer = new byte[65536];
        return Transcript.Latin1(buffer[..Transmitter.Copy(session, buffer, 0, buffer.Length)]);
    }
}
