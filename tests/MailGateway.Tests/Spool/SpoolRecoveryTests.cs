// Start-up recovery and the record format: damaged files are found by their checks and set
// aside, never delivered; unfinished ones are removed; recipient progress comes back.
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Spool;

public class SpoolRecoveryTests
{
    private readonly SimulatedStorage _storage = new SimulatedStorage();
    private readonly VirtualClock _clock = new VirtualClock(1_790_000_000_000);
    private readonly List<string> _log = new List<string>();

    private MailGateway.Core.Spool.Spool NewSpool(long maxBytes = 1 << 30)
    {
        return new MailGateway.Core.Spool.Spool(_storage, new SpoolSpace(maxBytes), new ListLog(_log));
    }

    private QueuedMessage Commit(MailGateway.Core.Spool.Spool spool, string body, params string[] recipients)
    {
        var envelope = new Envelope
        {
            ArrivalUnixMs = _clock.UnixMs(), ClientAddress = "192.168.1.9", Helo = "cam", Protocol = "ESMTP",
            Sender = "cam@lan.test", Recipients = recipients.Length == 0 ? new[] { "x@foreign.test" } : recipients,
        };
        MessageWriter writer = spool.Begin(envelope);
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(body);
        Assert.True(writer.Write(bytes, 0, bytes.Length));
        spool.RequestCommit(writer);
        Assert.Equal(MessageWriter.Committed, Assert.Single(spool.CommitPending()).Outcome);
        return spool.Find(envelope.QueueId);
    }

    private byte[] ReadFile(string name)
    {
        int h = _storage.OpenRead(name);
        var bytes = new byte[_storage.Length(name)];
        _storage.Read(h, 0, bytes, 0, bytes.Length);
        _storage.Close(h);
        return bytes;
    }

    private void ReplaceFile(string name, byte[] bytes)
    {
        _storage.Delete(name);
        int h = _storage.Create(name);
        _storage.Append(h, bytes, 0, bytes.Length);
        _storage.Sync(h);
        _storage.Close(h);
        _storage.SyncDirectory();
    }

    [Fact]
    public void Recover_FindsCommittedMessages_WithTheirBodies()
    {
        var spool = NewSpool();
        string big = string.Concat(Enumerable.Range(0, 2000).Select(i => "line " + i + "\r\n"));
        var a = Commit(spool, "Subject: a\r\n\r\nsmall\r\n");
        var b = Commit(spool, big, "p@local.test", "q@foreign.test");
        _storage.Reboot();

        var recovered = NewSpool();
        recovered.RecoverAll();
        Assert.Equal(2, recovered.Count);
        var stored = SpoolContents.ReadAll(_storage).ToDictionary(m => m.Envelope.QueueId);
        Assert.Equal("Subject: a\r\n\r\nsmall\r\n", stored[a.QueueId].BodyText);
        Assert.Equal(big, stored[b.QueueId].BodyText);
        Assert.Equal(new[] { "p@local.test", "q@foreign.test" }, recovered.Find(b.QueueId).Envelope.Recipients);
        Assert.Equal(SpoolContents.QueueFiles(_storage).Sum(n => _storage.Length(n)), recovered.Space.UsedBytes);
    }

    [Fact]
    public void Recover_DeletesTemporaryFiles()
    {
        var spool = NewSpool();
        var envelope = new Envelope { ClientAddress = "1.2.3.4", Helo = "h", Protocol = "SMTP", Sender = "", Recipients = new[] { "x@y.test" } };
        MessageWriter writer = spool.Begin(envelope);
        writer.Write(new byte[100], 0, 100);
        _storage.SyncDirectory(); // another message's commit made the .TMP's name durable
        _storage.CutPowerNow();
        _storage.Reboot();
        Assert.Single(SpoolContents.Names(_storage, SpoolNames.Temporary));
        var recovered = NewSpool();
        recovered.RecoverAll();
        Assert.Equal(0, recovered.Count);
        Assert.Empty(SpoolContents.QueueFiles(_storage));
        Assert.Contains(_log, l => l.Contains("removed unfinished message"));
    }

    public static IEnumerable<object[]> Damages() => new[]
    {
        new object[] { "truncated before the end record", (Func<byte[], byte[]>)(b => b.Take(b.Length - 30).ToArray()) },
        new object[] { "cut inside the first record", (Func<byte[], byte[]>)(b => b.Take(7).ToArray()) },
        new object[] { "a body byte flipped", (Func<byte[], byte[]>)(b => { var c = (byte[])b.Clone(); c[c.Length / 2] ^= 0x20; return c; }) },
        new object[] { "a length byte changed", (Func<byte[], byte[]>)(b => { var c = (byte[])b.Clone(); c[1] = 99; return c; }) },
        new object[] { "garbage appended after the end", (Func<byte[], byte[]>)(b => b.Concat(new byte[] { 1, 2, 3 }).ToArray()) },
        new object[] { "empty", (Func<byte[], byte[]>)(b => new byte[0]) },
        new object[] { "the end record dropped", (Func<byte[], byte[]>)(b => b.Take(b.Length - 25).ToArray()) },
    };

    [Theory]
    [MemberData(nameof(Damages))]
    public void Recover_QuarantinesDamagedMessage_AndKeepsTheOthers(string damage, Func<byte[], byte[]> mangle)
    {
        var spool = NewSpool();
        var good = Commit(spool, "Subject: good\r\n\r\nfine\r\n");
        var bad = Commit(spool, "Subject: bad\r\n\r\n" + new string('b', 6000) + "\r\n");
        ReplaceFile(bad.FileName, mangle(ReadFile(bad.FileName)));

        var recovered = NewSpool();
        recovered.RecoverAll();
        Assert.Equal(1, recovered.Count);
        Assert.NotNull(recovered.Find(good.QueueId));
        Assert.Null(recovered.Find(bad.QueueId));
        Assert.True(_storage.Exists(bad.QueueId + ".BAD"), damage);
        Assert.False(_storage.Exists(bad.FileName));
        Assert.Contains(_log, l => l.StartsWith(bad.QueueId + ": error: damaged queue file quarantined as " + bad.QueueId + ".BAD"));
        // Quarantined files still take card space.
        Assert.Equal(SpoolContents.QueueFiles(_storage).Sum(n => _storage.Length(n)), recovered.Space.UsedBytes);
    }

    [Fact]
    public void RecipientProgress_IsReplayedAfterRestart_WithoutTouchingTheBody()
    {
        var spool = NewSpool();
        var message = Commit(spool, "Subject: r\r\n\r\nbody\r\n", "a@x.test", "b@y.test", "c@z.test");
        byte[] before = ReadFile(message.FileName);
        message.Recipients[0].State = RecipientStatus.Delivered;
        message.Recipients[0].Attempts = 1;
        message.Recipients[0].LastReply = "250 2.0.0 Ok";
        spool.UpdateRecipient(message, 0);
        message.Recipients[2].State = RecipientStatus.Pending;
        message.Recipients[2].Attempts = 3;
        message.Recipients[2].NextAttemptUnixMs = 1_790_000_900_000;
        message.Recipients[2].LastReply = "451 4.3.0 later";
        spool.UpdateRecipient(message, 2);
        message.Recipients[2].State = RecipientStatus.Failed;
        message.Recipients[2].Attempts = 4;
        message.Recipients[2].LastReply = "550 5.1.1 unknown user";
        spool.UpdateRecipient(message, 2);
        _storage.Reboot();

        var recovered = NewSpool();
        recovered.RecoverAll();
        var m = recovered.Find(message.QueueId);
        Assert.Equal(before, ReadFile(message.FileName));
        Assert.Equal(RecipientStatus.Delivered, m.Recipients[0].State);
        Assert.Equal("250 2.0.0 Ok", m.Recipients[0].LastReply);
        Assert.Equal(RecipientStatus.Pending, m.Recipients[1].State);
        Assert.Equal(0, m.Recipients[1].Attempts);
        Assert.Equal(RecipientStatus.Failed, m.Recipients[2].State);
        Assert.Equal(4, m.Recipients[2].Attempts);
        Assert.Equal("550 5.1.1 unknown user", m.Recipients[2].LastReply);
    }

    [Fact]
    public void TornRecipientRecord_ForgetsOnlyTheLastChange()
    {
        var spool = NewSpool();
        var message = Commit(spool, "body\r\n", "a@x.test", "b@y.test", "c@z.test");
        message.Recipients[0].State = RecipientStatus.Delivered;
        spool.UpdateRecipient(message, 0);
        message.Recipients[1].State = RecipientStatus.Delivered;
        spool.UpdateRecipient(message, 1);
        string log = message.QueueId + SpoolNames.Recipients;
        byte[] bytes = ReadFile(log);
        ReplaceFile(log, bytes.Take(bytes.Length - 3).ToArray());

        var recovered = NewSpool();
        recovered.RecoverAll();
        var m = recovered.Find(message.QueueId);
        Assert.Equal(RecipientStatus.Delivered, m.Recipients[0].State);
        Assert.Equal(RecipientStatus.Pending, m.Recipients[1].State); // delivered twice at worst, never lost
    }

    [Fact]
    public void TornRecipientRecord_DoesNotHideTheRecordsAppendedAfterIt()
    {
        // A power cut tore an append; after the restart the queue appended more. Those count.
        var spool = NewSpool();
        var message = Commit(spool, "body\r\n", "a@x.test", "b@y.test", "c@z.test");
        message.Recipients[0].State = RecipientStatus.Delivered;
        spool.UpdateRecipient(message, 0);
        string log = message.QueueId + SpoolNames.Recipients;
        byte[] bytes = ReadFile(log);
        message.Recipients[1].State = RecipientStatus.Delivered;
        spool.UpdateRecipient(message, 1);
        byte[] second = ReadFile(log).Skip(bytes.Length).ToArray();
        ReplaceFile(log, bytes.Concat(second.Take(second.Length / 2)).ToArray()); // torn half-way

        var restarted = NewSpool();
        restarted.RecoverAll();
        var m = restarted.Find(message.QueueId);
        m.Recipients[2].State = RecipientStatus.Failed;
        restarted.UpdateRecipient(m, 2);                                           // appended after the torn bytes

        var recovered = NewSpool();
        recovered.RecoverAll();
        m = recovered.Find(message.QueueId);
        Assert.Equal(RecipientStatus.Delivered, m.Recipients[0].State);
        Assert.Equal(RecipientStatus.Pending, m.Recipients[1].State);  // the torn change is forgotten: delivered twice at worst
        Assert.Equal(RecipientStatus.Failed, m.Recipients[2].State);   // the later one is not
        Assert.Contains(_log, l => l.StartsWith(message.QueueId + ": warning: recipient log had 1 damaged stretch(es)"));
    }

    [Fact]
    public void HundredRecipientsOfMaximalLength_AreCommitted_AndComeBackAfterARestart()
    {
        // RFC 5321 §4.5.3.1.3: a path is at most 256 octets with its brackets, so an address 254.
        string domain = new string('d', 62) + "." + new string('d', 62) + "." + new string('d', 58) + ".test";
        var recipients = Enumerable.Range(0, 100).Select(i => (i.ToString("D3") + new string('u', 61)) + "@" + domain).ToArray();
        Assert.All(recipients, r => Assert.Equal(254, r.Length));
        var spool = NewSpool();
        var message = Commit(spool, "Subject: many\r\n\r\nhi\r\n", recipients);
        _storage.Reboot();

        var recovered = NewSpool();
        recovered.RecoverAll();
        Assert.Equal(recipients, recovered.Find(message.QueueId).Envelope.Recipients);
        Assert.Empty(SpoolContents.Names(_storage, SpoolNames.Quarantine));
    }

    [Fact]
    public void EnvelopeOfTheFirstFormat_WithItsRecipientsInline_IsStillRead()
    {
        var payload = new MailGateway.Core.Text.ByteBuffer(256);
        foreach (string field in new[] { "LC9RG001" }) payload.AppendString16(field);
        payload.AppendInt64(_clock.UnixMs());
        foreach (string field in new[] { "192.168.1.9", "cam", "ESMTP", "cam@lan.test" }) payload.AppendString16(field);
        payload.Append(2);
        payload.Append(0);
        payload.AppendString16("a@x.test");
        payload.AppendString16("b@y.test");
        var file = new MailGateway.Core.Text.ByteBuffer(512);
        byte[] magic = System.Text.Encoding.ASCII.GetBytes("MGW1");
        RecordFormat.Append(file, RecordFormat.FileHeader, magic, 0, 4);
        RecordFormat.Append(file, RecordFormat.Envelope, payload.Array, payload.Start, payload.Count);
        byte[] body = System.Text.Encoding.ASCII.GetBytes("Subject: old\r\n\r\nhi\r\n");
        RecordFormat.Append(file, RecordFormat.Body, body, 0, body.Length);
        var end = new MailGateway.Core.Text.ByteBuffer(16);
        end.AppendInt64(body.Length);
        end.AppendInt64(1);
        RecordFormat.Append(file, RecordFormat.End, end.Array, end.Start, end.Count);
        int h = _storage.Create("LC9RG001.MSG");
        _storage.Append(h, file.Array, file.Start, file.Count);
        _storage.Close(h);

        var recovered = NewSpool();
        recovered.RecoverAll();
        Assert.Equal(new[] { "a@x.test", "b@y.test" }, recovered.Find("LC9RG001").Envelope.Recipients);
    }

    [Fact]
    public void FileThatCannotBeReadAtStart_IsKept_NotSetAside_AndLoadedWhenTheCardReadsAgain()
    {
        var spool = NewSpool();
        var good = Commit(spool, "Subject: good\r\n\r\nfine\r\n");
        var bad = Commit(spool, "Subject: bad\r\n\r\nunlucky sector\r\n");
        foreach (string sequence in new[] { QueueIds.FileA, QueueIds.FileB })
            if (_storage.Exists(sequence)) _storage.Delete(sequence); // so that the first read is a queue file's
        _storage.FailNext(StorageOperation.OpenRead, new IOException("I/O error reading sector 4711"));
        var recovered = NewSpool();
        recovered.RecoverAll();
        // The first file read fails, whichever it is; the other is fine. An I/O error is not damage.
        Assert.Empty(SpoolContents.Names(_storage, SpoolNames.Quarantine));
        Assert.Empty(recovered.TakeQuarantined());
        Assert.Equal(1, recovered.Count);
        string first = recovered.Find(good.QueueId) == null ? good.QueueId : bad.QueueId;
        Assert.Contains(_log, l => l == first + ": warning: " + first + ".MSG cannot be read now (I/O error reading sector 4711); kept, and tried again");
        Assert.Equal(1, recovered.UnreadableCount);
        Assert.Equal(first, Assert.Single(recovered.LoadUnreadable()).QueueId);
        Assert.Equal(2, recovered.Count);
        Assert.Equal(0, recovered.UnreadableCount);
    }

    [Fact]
    public void QueueIdSequenceFiles_DoNotCountAsQueueIds()
    {
        // Found in the fault campaign's transcripts: after a restart the IDs jumped to QUEUEIDT,
        // the name of the sequence's own file taken for a queue ID.
        var spool = NewSpool();
        spool.RecoverAll();
        var first = Commit(spool, "Subject: a\r\n\r\nbody\r\n");
        Assert.Contains(_storage.List(), n => n == QueueIds.FileA || n == QueueIds.FileB);
        var again = NewSpool();
        again.RecoverAll();
        var second = Commit(again, "Subject: b\r\n\r\nbody\r\n");
        Assert.StartsWith("0000", second.QueueId);
        Assert.True(string.CompareOrdinal(second.QueueId, first.QueueId) > 0);
    }

    [Fact]
    public void PowerCutWhileRemoving_NeverKeepsTheMessageWithoutItsLog()
    {
        // Found by the fault campaign: both deletions were synced together, and a torn power cut
        // kept the log's and lost the message's: the message came back without its progress and
        // every recipient was tried again (one delivered twice, one bounced and then delivered).
        for (int cutAfter = 0; cutAfter <= 4; cutAfter++)
        {
            for (int seed = 1; seed <= 30; seed++)
            {
                var storage = new SimulatedStorage();
                var spool = new MailGateway.Core.Spool.Spool(storage, new SpoolSpace(1 << 30), new ListLog(new List<string>()));
                spool.RecoverAll();
                var envelope = new Envelope
                {
                    ArrivalUnixMs = _clock.UnixMs(), ClientAddress = "192.168.1.9", Helo = "cam", Protocol = "ESMTP",
                    Sender = "cam@lan.test", Recipients = new[] { "a@x.test", "b@x.test" },
                };
                MessageWriter writer = spool.Begin(envelope);
                byte[] body = System.Text.Encoding.ASCII.GetBytes("Subject: r\r\n\r\nbody\r\n");
                writer.Write(body, 0, body.Length);
                spool.RequestCommit(writer);
                spool.CommitPending();
                QueuedMessage m = spool.Find(envelope.QueueId);
                m.Recipients[0].State = RecipientStatus.Delivered;
                spool.UpdateRecipient(m, 0);              // recorded in the log
                m.Recipients[1].State = RecipientStatus.Delivered;
                spool.UpdateRecipient(m, 1);              // the last: recorded by the removal
                storage.CutPowerAfter(cutAfter);
                try
                {
                    spool.Remove(m);
                    spool.SyncRemovals();
                }
                catch (PowerCutException)
                {
                }
                if (!storage.IsPowerOff) storage.CutPowerNow();
                storage.RebootTorn(seed);
                bool message = storage.Exists(envelope.QueueId + ".MSG");
                bool log = storage.Exists(envelope.QueueId + ".RCP");
                Assert.False(message && !log, "cut after " + cutAfter + ", torn seed " + seed + ": the message is back without its progress");
            }
        }
    }

    [Fact]
    public void Remove_DeletesMessageAndLog_AndFreesTheirSpace()
    {
        var spool = NewSpool();
        var message = Commit(spool, "body\r\n", "a@x.test", "b@y.test");
        message.Recipients[0].State = RecipientStatus.Delivered;
        spool.UpdateRecipient(message, 0);
        Assert.True(_storage.Exists(message.QueueId + SpoolNames.Recipients));
        message.Recipients[1].State = RecipientStatus.Delivered;
        spool.UpdateRecipient(message, 1);
        Assert.True(spool.Space.UsedBytes > 0);
        spool.Remove(message);
        Assert.Empty(SpoolContents.QueueFiles(_storage));
        Assert.Equal(0, spool.Space.UsedBytes);
        Assert.Equal(0, spool.Count);
    }

    [Fact]
    public void DeliveredAtTheFirstAttempt_WritesNoLog_AndItsRemovalIsTheRecord()
    {
        // The common case costs no recipient log: the removal, synced once per pass, records it.
        for (int seed = 1; seed <= 20; seed++)
        {
            var storage = new SimulatedStorage();
            var spool = new MailGateway.Core.Spool.Spool(storage, new SpoolSpace(1 << 30), new ListLog(new List<string>()));
            spool.RecoverAll();
            var envelope = new Envelope
            {
                ArrivalUnixMs = _clock.UnixMs(), ClientAddress = "192.168.1.9", Helo = "cam", Protocol = "ESMTP",
                Sender = "cam@lan.test", Recipients = new[] { "a@x.test" },
            };
            MessageWriter writer = spool.Begin(envelope);
            writer.Write(new byte[] { (byte)'x', 13, 10 }, 0, 3);
            spool.RequestCommit(writer);
            spool.CommitPending();
            QueuedMessage m = spool.Find(envelope.QueueId);
            m.Recipients[0].State = RecipientStatus.Delivered;
            spool.UpdateRecipient(m, 0);
            Assert.False(storage.Exists(envelope.QueueId + SpoolNames.Recipients));
            spool.Remove(m);
            spool.SyncRemovals();
            storage.CutPowerNow();
            storage.RebootTorn(seed);
            Assert.False(storage.Exists(envelope.QueueId + ".MSG"), "torn seed " + seed + ": a delivered message came back");
        }
    }

    [Fact]
    public void OrphanRecipientLog_IsDeletedAtStart()
    {
        var spool = NewSpool();
        var message = Commit(spool, "body\r\n");
        spool.UpdateRecipient(message, 0);
        _storage.Delete(message.FileName); // a crash between the two deletes of Remove
        _storage.SyncDirectory();
        NewSpool().RecoverAll();
        Assert.Empty(SpoolContents.QueueFiles(_storage));
    }

    [Fact]
    public void QueueIds_Are8Point3Names_AndUnique()
    {
        var spool = NewSpool();
        var ids = Enumerable.Range(0, 300).Select(i => Commit(spool, "m" + i + "\r\n").QueueId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(FatName.IsValid(id + ".MSG"), id));
    }

    [Fact]
    public void SpaceLimit_RefusesBeginWhenFull_AndWriteWhenItWouldOverflow()
    {
        var spool = NewSpool(maxBytes: 12_000);
        var envelope = new Envelope { ClientAddress = "1.2.3.4", Helo = "h", Protocol = "SMTP", Sender = "", Recipients = new[] { "x@y.test" } };
        MessageWriter writer = spool.Begin(envelope);
        Assert.NotNull(writer);
        Assert.False(writer.Write(new byte[20_000], 0, 20_000));
        Assert.True(writer.OutOfSpace);
        spool.Abort(writer);
        Assert.Equal(0, spool.Space.UsedBytes);
        Assert.Empty(SpoolContents.QueueFiles(_storage));
    }
}
