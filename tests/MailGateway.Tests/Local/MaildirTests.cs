// local.mailbox_format = maildir: delivery writes a standard Maildir (tmp/ then new/), a Maildir
// reader (Python's mailbox module, as mutt or Dovecot would) sees the message, POP3 still serves it
// after a reader moved it to cur/ with flags, and deleting works there too.
using System.Diagnostics;
using System.Text;
using MailGateway.Core.Delivery;
using MailGateway.Core.Local;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Platform;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Tests.Local;

public sealed class MaildirTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-maildir-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private (MailboxStore Store, QueuedMessage Message, SimulatedStorage Spool) Deliver(string subject)
    {
        var spool = new SimulatedStorage();
        var queue = new MailGateway.Core.Spool.Spool(spool, new SpoolSpace(1 << 30), new MailGateway.Tests.Runtime.ListLog(new List<string>()));
        var writer = queue.Begin(new Envelope { ClientAddress = "127.0.0.1", Helo = "h", Protocol = "ESMTP", Sender = "cam@lan.test", Recipients = new[] { "person2@bbb.test" } });
        byte[] body = Encoding.ASCII.GetBytes("Subject: " + subject + "\r\n\r\nhello\r\n");
        writer.Write(body, 0, body.Length);
        queue.RequestCommit(writer);
        Assert.Equal(MessageWriter.Committed, queue.CommitPending()[0].Outcome);
        var store = new MailboxStore(new MaildirFolders(_dir, "mx.bbb.test"));
        var users = new LocalDeliveryTests.Users();
        users.Folders["person2"] = "U0000002";
        var message = queue.Find(writer.Envelope.QueueId);
        var job = new LocalDeliveryJob(spool, new byte[MailGateway.Core.Runtime.Gateway.ScratchBytes], store, users, message, new[] { 0 }, null);
        Assert.True(job.Step(0));
        Assert.Equal(AttemptOutcome.Delivered, job.Outcomes[0].Result);
        return (store, message, spool);
    }

    [Fact]
    public void Delivery_WritesAStandardMaildir_ThatAMaildirReaderOpens()
    {
        var (_, message, _) = Deliver("maildir works");
        string root = Path.Combine(_dir, "U0000002");
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "tmp")));
        string file = Assert.Single(Directory.GetFiles(Path.Combine(root, "new")));
        Assert.Contains("Q" + message.QueueId + ".mx.bbb.test", Path.GetFileName(file));
        Assert.StartsWith("Return-Path: <cam@lan.test>\r\nDelivered-To: person2@bbb.test\r\n", File.ReadAllText(file));

        string python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import mailbox,sys; box=mailbox.Maildir(sys.argv[1], create=False); print(len(box), [m['Subject'] for m in box])");
        start.ArgumentList.Add(root);
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(30_000));
        Assert.Equal("1 ['maildir works']", output.Trim());
    }

    [Fact]
    public void Pop3View_SeesMessagesAReaderMovedToCur_AndDeletesThem()
    {
        var (store, message, _) = Deliver("moved by a reader");
        string root = Path.Combine(_dir, "U0000002");
        string file = Directory.GetFiles(Path.Combine(root, "new")).Single();
        File.Move(file, Path.Combine(root, "cur", Path.GetFileName(file) + ":2,S")); // what mutt does when it reads it
        File.WriteAllText(Path.Combine(root, "cur", "1700000000.foreign.host:2,S"), "Subject: not ours\r\n\r\nx\r\n");

        Assert.True(store.TryLock("U0000002"));
        var drop = new Maildrop(store, "U0000002", 1000);
        Assert.Equal(1, drop.Count); // the foreign file without our tag is not served
        Assert.Equal(message.QueueId, drop.Uid(0));
        var buffer = new byte[drop.Size(0)];
        Assert.Equal(buffer.Length, drop.Read(0, 0, buffer, 0, buffer.Length));
        Assert.Contains("Subject: moved by a reader", Encoding.ASCII.GetString(buffer));
        drop.MarkDeleted(0);
        Assert.True(drop.CommitDeletions());
        drop.Unlock();
        Assert.Single(Directory.GetFiles(Path.Combine(root, "cur"))); // only the foreign one is left
    }

    [Fact]
    public void RepeatedDelivery_FindsTheMessageAlreadyThere()
    {
        var (store, message, spool) = Deliver("once");
        var users = new LocalDeliveryTests.Users();
        users.Folders["person2"] = "U0000002";
        var again = new LocalDeliveryJob(spool, new byte[MailGateway.Core.Runtime.Gateway.ScratchBytes], store, users, message, new[] { 0 }, null);
        Assert.True(again.Step(0));
        Assert.Equal("250 2.0.0 already in mailbox U0000002", again.Outcomes[0].Reply);
        Assert.Single(Directory.GetFiles(Path.Combine(_dir, "U0000002", "new")));
    }
}
