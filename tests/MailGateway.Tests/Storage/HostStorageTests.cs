// HostStorage: the contract suite on a fresh temporary directory per test, plus what only real
// files show (stray files and folders, bytes on disk, the libc directory fsync).
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;
using Xunit;
using static MailGateway.Tests.Storage.StorageFiles;

namespace MailGateway.Tests.Storage
{
    public sealed class HostStorageTests : StorageContractTests, IDisposable
    {
        private readonly string _directory;
        private readonly HostStorage _storage;

        public HostStorageTests()
        {
            _directory = Path.Combine(Path.GetTempPath(), "mailgw-storage-" + Guid.NewGuid().ToString("N"));
            _storage = new HostStorage(_directory);
        }

        protected override IStorage Storage => _storage;

        public void Dispose()
        {
            _storage.Dispose();
            if (Directory.Exists(_directory)) Directory.Delete(_directory, true);
        }

        [Fact]
        public void Constructor_CreatesAMissingDirectory()
        {
            string nested = Path.Combine(_directory, "a", "b");

            using (var storage = new HostStorage(nested))
            {
                Assert.True(Directory.Exists(nested));
                Assert.Empty(storage.List());
            }
        }

        [Fact]
        public void Files_AreRealFilesInTheDirectory()
        {
            Write(_storage, "MSG1.QUE", "on disk");

            Assert.Equal("on disk", File.ReadAllText(Path.Combine(_directory, "MSG1.QUE")));
        }

        [Fact]
        public void List_SkipsFoldersAndNon83Files()
        {
            Write(_storage, "MSG1.QUE", "x");
            File.WriteAllText(Path.Combine(_directory, "notes.txt"), "operator was here");
            File.WriteAllText(Path.Combine(_directory, "VERYLONGNAME.QUE"), "");
            Directory.CreateDirectory(Path.Combine(_directory, "SUB"));

            Assert.Equal(new[] { "MSG1.QUE" }, _storage.List());
        }

        [Fact]
        public void FolderWithAn83Name_IsNeitherAFileNorReplaced()
        {
            Directory.CreateDirectory(Path.Combine(_directory, "SUB"));
            Write(_storage, "MSG1.TMP", "x");

            Assert.False(_storage.Exists("SUB"));
            Assert.ThrowsAny<IOException>(() => _storage.Create("SUB"));
            Assert.False(_storage.Rename("MSG1.TMP", "SUB"));
            Assert.True(_storage.Exists("MSG1.TMP"));
        }

        [Fact]
        public void Rename_OntoAFileCreatedBehindItsBack_ReturnsFalse()
        {
            Write(_storage, "NEW", "new");
            File.WriteAllText(Path.Combine(_directory, "OLD"), "old");

            Assert.False(_storage.Rename("NEW", "OLD"));
            Assert.Equal("old", File.ReadAllText(Path.Combine(_directory, "OLD")));
        }

        [Fact]
        public void SyncDirectory_OnLinux_ReportsAMissingDirectoryAsIOException()
        {
            _storage.SyncDirectory();
            Directory.Delete(_directory, true);

            if (OperatingSystem.IsLinux())
            {
                var error = Assert.ThrowsAny<IOException>(() => _storage.SyncDirectory());
                Assert.Contains(_directory, error.Message);
            }
            else
            {
                _storage.SyncDirectory(); // a no-op elsewhere
            }
        }

        [Fact]
        public void Errors_NameTheFile()
        {
            var error = Assert.ThrowsAny<IOException>(() => _storage.OpenRead("MISSING.QUE"));

            Assert.Contains("MISSING.QUE", error.Message);
        }
    
        [Fact]
        public void BackgroundCommit_SyncsClosesAndRenames_AndTellsOfATakenName()
        {
            int woken = 0;
            _storage.CommitEnded = () => Interlocked.Increment(ref woken);
            int a = _storage.Create("A.TMP");
            _storage.Append(a, Ascii("first"), 0, 5);
            int b = _storage.Create("B.TMP");
            _storage.Append(b, Ascii("second"), 0, 6);
            Write(_storage, "B.MSG", "already there");

            _storage.StartCommit(new[] { a, b }, new[] { "A.TMP", "B.TMP" }, new[] { "A.MSG", "B.MSG" }, 2);
            _storage.WaitCommit();
            var renamed = new bool[2];
            var errors = new string[2];
            Assert.True(_storage.FinishCommit(renamed, errors, out string folderError));

            Assert.Equal(new[] { true, false }, renamed);
            Assert.Equal(new string[] { null, null }, errors); // a taken name is no error
            Assert.Null(folderError);
            // The loop is woken after the batch is marked done (so a woken loop finds it done): wait for it.
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref woken) == 1, 10_000));
            Assert.Equal("first", ReadAll(_storage, "A.MSG"));
            Assert.Equal("already there", ReadAll(_storage, "B.MSG"));
            Assert.Equal("second", ReadAll(_storage, "B.TMP")); // closed, left for the spool to delete
            _storage.Delete("B.TMP");
            Assert.Equal(new[] { "A.MSG", "B.MSG" }, _storage.ListAfter(null, 10));
            Assert.Throws<InvalidOperationException>(() => _storage.Append(a, Ascii("x"), 0, 1)); // the handle is gone
        }

        [Fact]
        public void Spool_WithBackgroundCommit_EndsTheBatchInALaterPass()
        {
            var spool = new MailGateway.Core.Spool.Spool(_storage, new MailGateway.Core.Spool.SpoolSpace(1 << 20),
                                                         new MailGateway.Tests.Runtime.ListLog(new List<string>()));
            spool.Background = _storage;
            spool.RecoverAll();
            var writers = new List<MailGateway.Core.Spool.MessageWriter>();
            for (int i = 0; i < 3; i++)
            {
                var envelope = new MailGateway.Core.Spool.Envelope
                {
                    ArrivalUnixMs = 1, ClientAddress = "192.0.2.1", Helo = "cam", Protocol = "ESMTP",
                    Sender = "cam@lan.test", Recipients = new[] { "a@x.test" },
                };
                var writer = spool.Begin(envelope);
                byte[] body = Ascii("Subject: " + i + "\r\n\r\nbody\r\n");
                writer.Write(body, 0, body.Length);
                spool.RequestCommit(writer);
                writers.Add(writer);
            }
            Assert.Empty(spool.CommitPending());      // started: nothing has ended within the pass
            Assert.True(spool.HasPendingCommits);
            var done = spool.WaitCommits();
            Assert.Equal(3, done.Length);
            Assert.All(done, w => Assert.Equal(MailGateway.Core.Spool.MessageWriter.Committed, w.Outcome));
            Assert.False(spool.HasPendingCommits);
            Assert.Equal(3, spool.Count);

            var again = new MailGateway.Core.Spool.Spool(_storage, new MailGateway.Core.Spool.SpoolSpace(1 << 20),
                                                         new MailGateway.Tests.Runtime.ListLog(new List<string>()));
            again.RecoverAll();
            Assert.Equal(3, again.Count);             // complete, valid queue files
        }
}
}
