// IStorage's contract, one suite run against every implementation (HostStorageTests,
// SimulatedStorageContractTests): 8.3 names, create/append/read/length/list, no rename over an
// existing name, no rename or delete of an open file, and handle misuse reported as a bug.
using MailGateway.Core.Runtime;
using Xunit;
using static MailGateway.Tests.Storage.StorageFiles;

namespace MailGateway.Tests.Storage
{
    public abstract class StorageContractTests
    {
        protected abstract IStorage Storage { get; }

        // Create, append, read

        [Fact]
        public void Create_NewName_IsEmptyListedAndExists()
        {
            int handle = Storage.Create("MSG1.TMP");

            Assert.True(Storage.Exists("MSG1.TMP"));
            Assert.Equal(0, Storage.Length("MSG1.TMP"));
            Assert.Equal(new[] { "MSG1.TMP" }, Storage.List());
            Storage.Close(handle);
        }

        [Fact]
        public void Create_ExistingName_ThrowsAndKeepsTheFile()
        {
            Write(Storage, "MSG1.TMP", "kept");

            Assert.ThrowsAny<IOException>(() => Storage.Create("MSG1.TMP"));
            Assert.Equal("kept", ReadAll(Storage, "MSG1.TMP"));
        }

        [Fact]
        public void Create_NameOfAnOpenFile_Throws()
        {
            int handle = Storage.Create("MSG1.TMP");

            Assert.ThrowsAny<IOException>(() => Storage.Create("MSG1.TMP"));
            Storage.Close(handle);
        }

        [Fact]
        public void Appends_ReadBackInOrder()
        {
            int handle = Storage.Create("MSG1.TMP");
            byte[] hello = Ascii("xxHELLO, yy");
            Storage.Append(handle, hello, 2, 7);
            Storage.Append(handle, Ascii("world"), 0, 5);
            Storage.Append(handle, new byte[0], 0, 0);
            Storage.Close(handle);

            Assert.Equal("HELLO, world", ReadAll(Storage, "MSG1.TMP"));
        }

        [Fact]
        public void Read_AtPosition_ReturnsUpToCountAndZeroAtTheEnd()
        {
            Write(Storage, "DATA", "0123456789");
            int handle = Storage.OpenRead("DATA");
            var buffer = new byte[8];

            Assert.Equal(3, Storage.Read(handle, 4, buffer, 1, 3));
            Assert.Equal("456", System.Text.Encoding.ASCII.GetString(buffer, 1, 3));
            Assert.Equal(2, Storage.Read(handle, 8, buffer, 0, 8));
            Assert.Equal("89", System.Text.Encoding.ASCII.GetString(buffer, 0, 2));
            Assert.Equal(0, Storage.Read(handle, 10, buffer, 0, 8));
            Assert.Equal(0, Storage.Read(handle, 99, buffer, 0, 8));
            Assert.Equal(3, Storage.Read(handle, 0, buffer, 0, 3)); // positions are absolute, not a cursor
            Assert.Equal("012", System.Text.Encoding.ASCII.GetString(buffer, 0, 3));
            Storage.Close(handle);
        }

        [Fact]
        public void Read_SeesBytesAppendedThroughAnotherHandle()
        {
            int writer = Storage.Create("LOG");
            int reader = Storage.OpenRead("LOG");
            var buffer = new byte[4];

            Assert.Equal(0, Storage.Read(reader, 0, buffer, 0, 4));
            Storage.Append(writer, Ascii("abc"), 0, 3);
            Assert.Equal(3, Storage.Read(reader, 0, buffer, 0, 4));
            Storage.Close(reader);
            Storage.Close(writer);
        }

        [Fact]
        public void OpenAppend_AppendsAtTheEnd()
        {
            Write(Storage, "LOG", "one;");
            int handle = Storage.OpenAppend("LOG");
            Storage.Append(handle, Ascii("two;"), 0, 4);
            Storage.Sync(handle);
            Storage.Close(handle);

            Assert.Equal("one;two;", ReadAll(Storage, "LOG"));
        }

        [Fact]
        public void OpenAppend_FileAlreadyOpenForAppending_Throws()
        {
            int handle = Storage.Create("LOG");

            Assert.ThrowsAny<IOException>(() => Storage.OpenAppend("LOG"));
            Storage.Close(handle);
        }

        [Fact]
        public void Opens_MissingFile_Throw()
        {
            Assert.ThrowsAny<IOException>(() => Storage.OpenAppend("NONE"));
            Assert.ThrowsAny<IOException>(() => Storage.OpenRead("NONE"));
        }

        // Length, list, exists

        [Fact]
        public void Length_CountsBytesOfOpenAndClosedFiles()
        {
            int handle = Storage.Create("MSG1.TMP");
            Storage.Append(handle, new byte[1000], 0, 1000);
            Assert.Equal(1000, Storage.Length("MSG1.TMP"));
            Storage.Append(handle, new byte[24], 0, 24);
            Assert.Equal(1024, Storage.Length("MSG1.TMP"));
            Storage.Close(handle);

            Assert.Equal(1024, Storage.Length("MSG1.TMP"));
        }

        [Fact]
        public void Length_MissingFile_Throws()
        {
            Assert.ThrowsAny<IOException>(() => Storage.Length("NONE"));
        }

        [Fact]
        public void List_ReturnsEveryName()
        {
            Assert.Empty(Storage.List());
            Write(Storage, "A", "");
            Write(Storage, "B.TXT", "b");
            Write(Storage, "12345678.123", "c");

            Assert.Equal(new[] { "12345678.123", "A", "B.TXT" }, SortedList(Storage));
            Assert.False(Storage.Exists("C"));
        }

        [Fact]
        public void ListAfter_WalksEveryNameOnceInOrder_APageAtATime_WhileFilesComeAndGo()
        {
            var rng = new Random(11);
            var names = Enumerable.Range(0, 300).Select(i => (i * 7919 % 1000).ToString("D8") + (i % 3 == 0 ? ".RCP" : ".MSG")).Distinct().ToList();
            foreach (string name in names) Write(Storage, name, "x");
            Assert.Empty(Storage.ListAfter("~", 10));
            var seen = new List<string>();
            string cursor = null;
            while (true)
            {
                string[] page = Storage.ListAfter(cursor, 16);
                Assert.InRange(page.Length, 0, 16);
                seen.AddRange(page);
                if (page.Length < 16) break;
                cursor = page[^1];
                // Behind the cursor files go, ahead of it they come: the walk neither repeats nor skips.
                string gone = seen[rng.Next(seen.Count)];
                if (Storage.Exists(gone)) Storage.Delete(gone);
                Write(Storage, "99999" + seen.Count.ToString("D3") + ".MSG", "new");
            }
            var expected = names.Concat(seen.Where(n => n.StartsWith("99999"))).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Equal(seen.OrderBy(n => n, StringComparer.Ordinal), seen);
            Assert.Equal(expected.Where(n => !n.StartsWith("99999")), seen.Where(n => !n.StartsWith("99999")));
            Assert.Equal(seen.Count, seen.Distinct().Count());
        }

        // Rename

        [Fact]
        public void Rename_FreeTarget_MovesTheFile()
        {
            Write(Storage, "MSG1.TMP", "body");

            Assert.True(Storage.Rename("MSG1.TMP", "MSG1.QUE"));

            Assert.False(Storage.Exists("MSG1.TMP"));
            Assert.Equal("body", ReadAll(Storage, "MSG1.QUE"));
            Assert.Equal(new[] { "MSG1.QUE" }, Storage.List());
        }

        [Fact]
        public void Rename_OntoExistingName_ReturnsFalseAndChangesNothing()
        {
            Write(Storage, "NEW", "new");
            Write(Storage, "OLD", "old");

            Assert.False(Storage.Rename("NEW", "OLD"));

            Assert.Equal("new", ReadAll(Storage, "NEW"));
            Assert.Equal("old", ReadAll(Storage, "OLD"));
        }

        [Fact]
        public void Rename_OntoItself_ReturnsFalse()
        {
            Write(Storage, "SAME", "x");

            Assert.False(Storage.Rename("SAME", "SAME"));
            Assert.Equal("x", ReadAll(Storage, "SAME"));
        }

        [Fact]
        public void Rename_MissingSource_Throws()
        {
            Assert.ThrowsAny<IOException>(() => Storage.Rename("NONE", "OTHER"));
            Assert.False(Storage.Exists("OTHER"));
        }

        [Fact]
        public void Rename_OpenFile_Throws()
        {
            int handle = Storage.Create("MSG1.TMP");

            Assert.ThrowsAny<IOException>(() => Storage.Rename("MSG1.TMP", "MSG1.QUE"));
            Storage.Close(handle);
            Assert.True(Storage.Exists("MSG1.TMP"));
            Assert.False(Storage.Exists("MSG1.QUE"));
        }

        // Delete

        [Fact]
        public void Delete_RemovesTheName()
        {
            Write(Storage, "GONE", "x");
            Write(Storage, "STAYS", "y");

            Storage.Delete("GONE");

            Assert.False(Storage.Exists("GONE"));
            Assert.Equal(new[] { "STAYS" }, Storage.List());
        }

        [Fact]
        public void Delete_MissingFile_Throws()
        {
            Assert.ThrowsAny<IOException>(() => Storage.Delete("NONE"));
        }

        [Fact]
        public void Delete_OpenFile_Throws()
        {
            Write(Storage, "BUSY", "x");
            int handle = Storage.OpenRead("BUSY");

            Assert.ThrowsAny<IOException>(() => Storage.Delete("BUSY"));
            Storage.Close(handle);
            Assert.True(Storage.Exists("BUSY"));
        }

        // Sync

        [Fact]
        public void Sync_AndSyncDirectory_KeepEverythingVisible()
        {
            int handle = Storage.Create("MSG1.TMP");
            Storage.Append(handle, Ascii("body"), 0, 4);
            Storage.Sync(handle);
            Storage.Close(handle);
            Storage.SyncDirectory();
            Assert.True(Storage.Rename("MSG1.TMP", "MSG1.QUE"));
            Storage.SyncDirectory();

            Assert.Equal("body", ReadAll(Storage, "MSG1.QUE"));
        }

        // 8.3 names

        public static TheoryData<string> Non83Names => new TheoryData<string>
        {
            null, "", "lower", "Mixed.TXT", "ABCDEFGHI", "ABC.DEFG", ".TXT", "ABC.", "A.B.C", "A B",
            "A+B", "\u00C4BC", "../ESCAPE", "SUB/FILE", "C:\\FILE", "..",
        };

        [Theory]
        [MemberData(nameof(Non83Names))]
        public void EveryNamedOperation_RejectsANon83Name(string name)
        {
            Write(Storage, "GOOD", "x");

            Assert.ThrowsAny<IOException>(() => Storage.Create(name));
            Assert.ThrowsAny<IOException>(() => Storage.OpenAppend(name));
            Assert.ThrowsAny<IOException>(() => Storage.OpenRead(name));
            Assert.ThrowsAny<IOException>(() => Storage.Rename(name, "OTHER"));
            Assert.ThrowsAny<IOException>(() => Storage.Rename("GOOD", name));
            Assert.ThrowsAny<IOException>(() => Storage.Delete(name));
            Assert.ThrowsAny<IOException>(() => Storage.Exists(name));
            Assert.ThrowsAny<IOException>(() => Storage.Length(name));
            Assert.Equal(new[] { "GOOD" }, Storage.List());
        }

        [Theory]
        [InlineData("A")]
        [InlineData("ABCDEFGH.XYZ")]
        [InlineData("_-09.A-_")]
        [InlineData("Q.1")]
        public void Create_83Name_IsAccepted(string name)
        {
            Write(Storage, name, "x");

            Assert.Equal(new[] { name }, Storage.List());
        }

        // Handle misuse is a bug, not an I/O error

        [Fact]
        public void ClosedHandle_IsMisuse()
        {
            int handle = Storage.Create("MSG1.TMP");
            Storage.Close(handle);

            Assert.Throws<InvalidOperationException>(() => Storage.Append(handle, new byte[1], 0, 1));
            Assert.Throws<InvalidOperationException>(() => Storage.Sync(handle));
            Assert.Throws<InvalidOperationException>(() => Storage.Close(handle));
            Assert.Throws<InvalidOperationException>(() => Storage.Read(handle, 0, new byte[1], 0, 1));
        }

        [Fact]
        public void WrongHandleKind_IsMisuse()
        {
            int appending = Storage.Create("MSG1.TMP");
            int reading = Storage.OpenRead("MSG1.TMP");

            Assert.Throws<InvalidOperationException>(() => Storage.Read(appending, 0, new byte[1], 0, 1));
            Assert.Throws<InvalidOperationException>(() => Storage.Append(reading, new byte[1], 0, 1));
            Assert.Throws<InvalidOperationException>(() => Storage.Sync(reading));
            Storage.Close(reading);
            Storage.Close(appending);
        }
    }
}
