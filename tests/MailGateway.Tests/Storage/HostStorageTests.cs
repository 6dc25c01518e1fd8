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
    }
}
