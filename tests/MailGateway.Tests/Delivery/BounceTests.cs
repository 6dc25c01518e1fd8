// The bounce a sender receives (RFC 3464 / RFC 6522), read back with MimeKit as a mail client
// would: a multipart/report with a readable notice, the original headers, and a machine-readable
// delivery-status part with one group per recipient.
using System.Text;
using MailGateway.Core.Delivery;
using MailGateway.Core.Spool;
using MimeKit;

namespace MailGateway.Tests.Delivery;

public class BounceTests
{
    private const long Arrival = 1_790_000_000_000;
    private const string Original = "Received: from cam (unknown [192.168.1.9])\r\n\tby gw.aaa.test (MailGateway) with ESMTP id ABCDEFGH; Mon, 1 Sep 2026 00:00:00 +0000\r\nFrom: person1@aaa.test\r\nSubject: holiday photos\r\nMessage-ID: <p1@aaa.test>\r\n\r\nthe body must not be quoted\r\n";

    private static QueuedMessage Message(params string[] recipients)
    {
        var envelope = new Envelope
        {
            QueueId = "ABCDEFGH", ArrivalUnixMs = Arrival, ClientAddress = "192.168.1.9", Helo = "cam",
            Protocol = "ESMTP", Sender = "person1@aaa.test", Recipients = recipients,
        };
        return new QueuedMessage(envelope, Original.Length, 0);
    }

    private static MimeMessage Build(Bounce bounce, string original, int chunk = 7)
    {
        var bytes = new MemoryStream();
        bounce.Begin();
        byte[] o = Encoding.Latin1.GetBytes(original);
        for (int i = 0; i < o.Length; i += chunk)
        {
            if (!bounce.AddOriginalHeaders(o, i, Math.Min(chunk, o.Length - i))) break;
        }
        bounce.Finish();
        byte[] text = bounce.Output.ToArray();
        Assert.DoesNotMatch("[^\r]\n", Encoding.Latin1.GetString(text)); // CRLF only
        return MimeMessage.Load(new MemoryStream(text));
    }

    [Fact]
    public void ReplyAlreadyWordedWithItsHost_IsNotPrefixedTwice()
    {
        // Found in the fault campaign's transcripts: "host mx[ip]:25 said: host mx[ip] said: 550 …".
        var message = Message("person2@bbb.test");
        message.Recipients[0].RemoteHost = "mx.bbb.test[192.0.2.20]:25";
        message.Recipients[0].LastReply = "host mx.bbb.test[192.0.2.20] said: 550 5.1.1 <person2@bbb.test>: User unknown (in reply to RCPT TO command)";
        var bounce = new Bounce(Bounce.Failure, "gw.aaa.test", message, message.Recipients, Arrival, 0, "person1@aaa.test");
        bounce.Begin();
        string text = Encoding.Latin1.GetString(bounce.Output.ToArray());
        Assert.Contains("\r\n<person2@bbb.test>: host mx.bbb.test[192.0.2.20] said: 550 5.1.1 <person2@bbb.test>: User unknown (in reply to RCPT TO command)\r\n", text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, " said: "));
    }

    [Fact]
    public void Failure_IsAMultipartReport_WithOneGroupPerRecipient_AndTheOriginalHeaders()
    {
        var message = Message("person2@bbb.test", "person3@bbb.test");
        message.Recipients[0].LastReply = "550 5.1.1 <person2@bbb.test>: Recipient address rejected: User unknown";
        message.Recipients[0].RemoteHost = "mx.bbb.test[192.0.2.20]:25";
        message.Recipients[1].LastReply = "connect to mx.bbb.test[192.0.2.20]:25: Connection refused";
        var report = Build(new Bounce(Bounce.Failure, "gw.aaa.test", message, message.Recipients, Arrival + 3_600_000, 0, "person1@aaa.test"), Original);

        Assert.Equal("", report.Sender?.Address ?? "");
        Assert.Equal("MAILER-DAEMON@gw.aaa.test", report.From.Mailboxes.Single().Address);
        Assert.Equal("person1@aaa.test", report.To.Mailboxes.Single().Address);
        Assert.Equal("auto-replied", report.Headers["Auto-Submitted"]);
        Assert.Equal("Undelivered Mail Returned to Sender", report.Subject);
        var multipart = Assert.IsType<MultipartReport>(report.Body);
        Assert.Equal("delivery-status", multipart.ReportType);
        Assert.Equal(3, multipart.Count);

        var notice = Assert.IsType<TextPart>(multipart[0]);
        Assert.Contains("<person2@bbb.test>: host mx.bbb.test[192.0.2.20]:25 said: 550 5.1.1", notice.Text);

        var headers = Assert.IsType<TextRfc822Headers>(multipart[1]);
        Assert.Equal("holiday photos", headers.Message.Subject);
        Assert.Equal("p1@aaa.test", headers.Message.MessageId);
        Assert.DoesNotContain("the body must not be quoted", multipart[1].ToString());

        var status = Assert.IsType<MessageDeliveryStatus>(multipart[2]);
        Assert.Equal("dns; gw.aaa.test", status.StatusGroups[0]["Reporting-MTA"]);
        Assert.NotNull(status.StatusGroups[0]["Arrival-Date"]);
        Assert.Equal(3, status.StatusGroups.Count);
        Assert.Equal("rfc822; person2@bbb.test", status.StatusGroups[1]["Final-Recipient"]);
        Assert.Equal("failed", status.StatusGroups[1]["Action"]);
        Assert.Equal("5.1.1", status.StatusGroups[1]["Status"]);
        Assert.Equal("dns; mx.bbb.test", status.StatusGroups[1]["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 <person2@bbb.test>: Recipient address rejected: User unknown", status.StatusGroups[1]["Diagnostic-Code"]);
        Assert.Equal("5.0.0", status.StatusGroups[2]["Status"]);
        Assert.Null(status.StatusGroups[2]["Diagnostic-Code"]);
    }

    [Fact]
    public void DelayWarning_SaysDelayed_AndUntilWhen()
    {
        var message = Message("person2@bbb.test");
        message.Recipients[0].LastReply = "451 4.3.0 try later";
        message.Recipients[0].RemoteHost = "mx.bbb.test[192.0.2.20]:25";
        long until = Arrival + 4 * 86_400_000L;
        var report = Build(new Bounce(Bounce.Delay, "gw.aaa.test", message, message.Recipients, Arrival + 4 * 3_600_000L, until, "person1@aaa.test"), Original);
        Assert.Equal("Delayed Mail (still being retried)", report.Subject);
        var status = Assert.IsType<MessageDeliveryStatus>(((MultipartReport)report.Body)[2]);
        Assert.Equal("delayed", status.StatusGroups[1]["Action"]);
        Assert.Equal("4.3.0", status.StatusGroups[1]["Status"]);
        Assert.True(MimeKit.Utils.DateUtils.TryParse(status.StatusGroups[1]["Will-Retry-Until"], out var retryUntil));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(until), retryUntil);
        Assert.Contains("could not be delivered for 4h", ((TextPart)((MultipartReport)report.Body)[0]).Text);
    }

    [Fact]
    public void HugeHeaderSection_IsCutAtALineEnd()
    {
        string many = string.Concat(Enumerable.Range(0, 3000).Select(i => "X-Filler-" + i + ": " + new string('f', 20) + "\r\n"));
        var message = Message("a@b.test");
        message.Recipients[0].LastReply = "550 5.7.1 no";
        var bounce = new Bounce(Bounce.Failure, "gw.aaa.test", message, message.Recipients, Arrival, 0, "person1@aaa.test");
        var report = Build(bounce, many + "\r\nbody\r\n", chunk: 4096);
        var quoted = ((TextRfc822Headers)((MultipartReport)report.Body)[1]).Message.Headers;
        int lineLength = "X-Filler-1234: ".Length + 20 + 2;
        Assert.InRange(quoted.Count, Bounce.MaxOriginalHeaders / lineLength - 30, Bounce.MaxOriginalHeaders / lineLength + 30);
        Assert.Equal(new string('f', 20), quoted[quoted.Count - 1].Value); // the last quoted line is whole
        Assert.Equal(2, ((MultipartReport)report.Body).OfType<MessageDeliveryStatus>().Single().StatusGroups.Count);
    }

    [Theory]
    [InlineData("550 5.1.1 User unknown", true, "5.1.1")]
    [InlineData("552 5.3.4 too big", true, "5.3.4")]
    [InlineData("550 User unknown", true, "5.0.0")]
    [InlineData("451 4.3.0 later", false, "4.3.0")]
    [InlineData("451 4.3.0 later", true, "5.3.0")]
    [InlineData("421 service not available", false, "4.0.0")]
    [InlineData("connect to host: Connection refused", false, "4.0.0")]
    [InlineData("550 5.1.1234 bad", true, "5.0.0")]
    [InlineData("", true, "5.0.0")]
    [InlineData("host mx.b.test[192.0.2.1] said: 550 5.1.1 <x@b.test>: unknown (in reply to RCPT TO command)", true, "5.1.1")]
    public void StatusOf_TakesTheEnhancedCodeOrDerivesOne(string reply, bool permanent, string status)
    {
        Assert.Equal(status, Bounce.StatusOf(Bounce.SmtpReplyOf(reply), permanent));
    }

    [Theory]
    [InlineData("host mx.b.test[192.0.2.1] said: 550 5.1.1 <x@b.test>: unknown (in reply to RCPT TO command)", "550 5.1.1 <x@b.test>: unknown")]
    [InlineData("host mx[192.0.2.1] said: 452 4.2.2 full (see (this)) (in reply to end of DATA command)", "452 4.2.2 full (see (this))")]
    [InlineData("connect to mx[192.0.2.1]:25: connection refused or unreachable", "connect to mx[192.0.2.1]:25: connection refused or unreachable")]
    [InlineData("550 5.7.1 plain", "550 5.7.1 plain")]
    public void SmtpReplyOf_FindsTheServersReplyInALogText(string text, string reply)
    {
        Assert.Equal(reply, Bounce.SmtpReplyOf(text));
    }
}
