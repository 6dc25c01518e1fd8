// The spool's group commit with a storage that commits beside the loop (IBackgroundCommit, the
// host's), driven step by step over the simulator's power-cut storage: a batch ends in a later
// pass, and the removals of delivered messages made before a batch started are made durable by
// that batch's folder sync, or by one of their own when it fails.
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;
using Xunit;

namespace MailGateway.Tests.Spool;

public sealed class BackgroundCommitTests
{
    // Commits a started batch only when told to, the way the host's storage does on its thread.
    private sealed class SteppedCommit : IBackgroundCommit
    {
        private readonly SimulatedStorage _storage;
        private int[] _handles;
        private string[] _from, _to;
        public bool Released;
        public string FolderFailure;
        public string FileFailure;
        public int Started;

        public SteppedCommit(SimulatedStorage storage) { _storage = storage; }

        public void StartCommit(int[] handles, string[] from, string[] to, int count)
        {
            _handles = handles;
            _from = from;
            _to = to;
            Started++;
        }

        public bool FinishCommit(bool[] renamed, string[] errors, out string folderError)
        {
            folderError = null;
            if (!Released) return false;
            bool any = false;
            for (int i = 0; i < _handles.Length; i++)
            {
                if (FileFailure == null) _storage.Sync(_handles[i]);
                _storage.Close(_handles[i]);
                errors[i] = FileFailure;
                renamed[i] = FileFailure == null && _storage.Rename(_from[i], _to[i]);
                any |= renamed[i];
            }
            if (!any && _handles.Length > 0) return true;  // no rename: no folder sync either (none asked: just the sync)
            if (FolderFailure == null) _storage.SyncDirectory();
            folderError = FolderFailure;
            Released = false;
            return true;
        }

        public void WaitCommit() { Released = true; }
    }

    private static MessageWriter Request(MailGateway.Core.Spool.Spool spool, string recipient)
    {
        var envelope = new Envelope
        {
            ArrivalUnixMs = 1_790_000_000_000, ClientAddress = "192.168.1.9", Helo = "cam", Protocol = "ESMTP",
            Sender = "cam@lan.test", Recipients = new[] { recipient },
        };
        MessageWriter writer = spool.Begin(envelope);
        byte[] body = System.Text.Encoding.ASCII.GetBytes("Subject: s\r\n\r\nbody\r\n");
        writer.Write(body, 0, body.Length);
        spool.RequestCommit(writer);
        return writer;
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("EIO", null)]
    [InlineData(null, "EIO")]
    public void RemovalBeforeABatch_IsMadeDurable_ByItsFolderSync_OrByOneOfItsOwn(string folderFailure, string fileFailure)
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            var storage = new SimulatedStorage();
            var commit = new SteppedCommit(storage);
            var spool = new MailGateway.Core.Spool.Spool(storage, new SpoolSpace(1 << 30), new ListLog(new List<string>())) { Background = commit };
            spool.RecoverAll();

            MessageWriter first = Request(spool, "a@x.test");
            Assert.Empty(spool.CommitPending());           // started; nothing ends in this pass
            Assert.Empty(spool.CommitPending());           // still running
            commit.Released = true;
            Assert.Equal(MessageWriter.Committed, Assert.Single(spool.CommitPending()).Outcome);

            // The first is delivered and removed; the next message's batch starts in the same pass.
            QueuedMessage delivered = spool.Find(first.Envelope.QueueId);
            delivered.Recipients[0].State = RecipientStatus.Delivered;
            spool.UpdateRecipient(delivered, 0);
            spool.Remove(delivered);
            MessageWriter second = Request(spool, "b@x.test");
            Assert.Empty(spool.CommitPending());
            spool.SyncRemovals();                           // the running batch will: no sync here
            commit.FolderFailure = folderFailure;
            commit.FileFailure = fileFailure;
            commit.Released = true;
            MessageWriter ended = Assert.Single(spool.CommitPending());
            Assert.Equal(folderFailure == null && fileFailure == null ? MessageWriter.Committed : MessageWriter.Failed, ended.Outcome);
            spool.SyncRemovals();                           // only when the batch's sync failed: one of their own
            bool failed = folderFailure != null || fileFailure != null;
            Assert.Equal(failed ? 3 : 2, commit.Started);
            commit.FolderFailure = commit.FileFailure = null;
            commit.Released = true;
            spool.CommitPending();

            storage.CutPowerNow();
            storage.RebootTorn(seed);
            Assert.False(storage.Exists(first.Envelope.QueueId + SpoolNames.Message),
                         "seed " + seed + ": the delivered message came back after " + (folderFailure ?? fileFailure ?? "a good commit"));
        }
    }
    [Fact]
    public void RemovalWithNoBatchAround_IsSyncedInTheBackground_NotByTheLoop()
    {
        for (int seed = 1; seed <= 20; seed++)
        {
            var storage = new SimulatedStorage();
            var commit = new SteppedCommit(storage);
            var spool = new MailGateway.Core.Spool.Spool(storage, new SpoolSpace(1 << 30), new ListLog(new List<string>())) { Background = commit };
            spool.RecoverAll();
            MessageWriter only = Request(spool, "a@x.test");
            spool.CommitPending();
            commit.Released = true;
            spool.CommitPending();
            QueuedMessage delivered = spool.Find(only.Envelope.QueueId);
            delivered.Recipients[0].State = RecipientStatus.Delivered;
            spool.UpdateRecipient(delivered, 0);
            spool.Remove(delivered);

            spool.SyncRemovals();                           // hands the folder sync over
            Assert.Equal(2, commit.Started);
            Assert.True(spool.HasPendingCommits);
            commit.Released = true;
            Assert.Empty(spool.CommitPending());            // the sync ended; no message with it
            Assert.False(spool.HasPendingCommits);
            spool.SyncRemovals();                           // nothing left to sync
            Assert.Equal(2, commit.Started);

            storage.CutPowerNow();
            storage.RebootTorn(seed);
            Assert.False(storage.Exists(only.Envelope.QueueId + SpoolNames.Message), "seed " + seed + ": the delivered message came back");
        }
    }
}
