// SimulatedStorage's fault model: what survives a power cut (only synced bytes under synced names),
// a cut at every step of a scenario (it throws, takes no effect, and the card stays dead), the
// seeded torn reboot (prefixes of unsynced bytes, some unsynced directory changes, reproducible)
// and scripted I/O errors.
using MailGateway.Emulator.Simulation;
using Xunit;
using static MailGateway.Tests.Storage.StorageFiles;

namespace MailGateway.Tests.Storage
{
    public sealed class SimulatedStoragePowerCutTests
    {
        private const string Body = "From: a@b.test\r\n\r\nhello\r\n.\r\n";

        // What a clean reboot keeps

        [Fact]
        public void Reboot_LosesUnsyncedBytes_KeepsSyncedOnes()
        {
            var card = new SimulatedStorage();
            int handle = card.Create("LOG");
            card.SyncDirectory();
            card.Append(handle, Ascii("synced;"), 0, 7);
            card.Sync(handle);
            card.Append(handle, Ascii("lost"), 0, 4);

            card.Reboot();

            Assert.Equal("synced;", ReadAll(card, "LOG"));
        }

        [Fact]
        public void Reboot_CloseWithoutSync_KeepsTheNameButNotTheBytes()
        {
            var card = new SimulatedStorage();
            Write(card, "MSG1.TMP", Body);
            card.SyncDirectory();

            card.Reboot();

            Assert.Equal(0, card.Length("MSG1.TMP"));
        }

        [Fact]
        public void Reboot_NewNameWithoutSyncDirectory_IsGoneEvenWithSyncedBytes()
        {
            var card = new SimulatedStorage();
            int handle = card.Create("MSG1.TMP");
            card.Append(handle, Ascii(Body), 0, Body.Length);
            card.Sync(handle);
            card.Close(handle);

            card.Reboot();

            Assert.Empty(card.List());
        }

        [Fact]
        public void Reboot_RenameIsDurableOnlyAfterSyncDirectory()
        {
            var card = new SimulatedStorage();
            WriteDurably(card, "MSG1.TMP", Body);
            Assert.True(card.Rename("MSG1.TMP", "MSG1.QUE"));

            card.Reboot();
            Assert.Equal(new[] { "MSG1.TMP" }, card.List());

            Assert.True(card.Rename("MSG1.TMP", "MSG1.QUE"));
            card.SyncDirectory();
            card.Reboot();
            Assert.Equal(new[] { "MSG1.QUE" }, card.List());
            Assert.Equal(Body, ReadAll(card, "MSG1.QUE"));
        }

        [Fact]
        public void Reboot_DeleteWithoutSyncDirectory_BringsTheFileBack()
        {
            var card = new SimulatedStorage();
            WriteDurably(card, "MSG1.QUE", Body);
            card.Delete("MSG1.QUE");
            Write(card, "MSG1.QUE", "a different file under the same name");

            card.Reboot();

            Assert.Equal(Body, ReadAll(card, "MSG1.QUE"));
        }

        [Fact]
        public void Reboot_ForgetsOpenHandles_AndTheCardWorksAgain()
        {
            var card = new SimulatedStorage();
            int handle = card.Create("LOG");
            card.CutPowerNow();

            card.Reboot();

            Assert.False(card.IsPowerOff);
            Assert.Throws<InvalidOperationException>(() => card.Append(handle, new byte[1], 0, 1));
            WriteDurably(card, "LOG", "again");
            Assert.Equal("again", ReadAll(card, "LOG"));
        }

        // Power cuts

        [Fact]
        public void PowerCutException_IsNotAnIOException()
        {
            // The spool turns IOException into 4xx and goes on; a power cut must not be absorbed that way.
            Assert.False(typeof(IOException).IsAssignableFrom(typeof(PowerCutException)));
        }

        [Theory]
        [MemberData(nameof(AllOperations))]
        public void AfterPowerCut_EveryCallThrows(StorageOperation operation)
        {
            var bench = new Bench();
            Action call = bench.Prepare(operation);
            bench.Card.CutPowerNow();

            Assert.Throws<PowerCutException>(call);
            Assert.True(bench.Card.IsPowerOff);
        }

        [Fact]
        public void CutPowerAfter_AtEveryStep_ThrowsThere_CountsOnlyWhatHappened_AndStaysDead()
        {
            int steps = CountOperations(CommitSynced);
            Assert.Equal(7, steps);

            for (int k = 0; k <= steps; k++)
            {
                var card = new SimulatedStorage();
                card.CutPowerAfter(k);

                bool cut = RunUntilPowerCut(card, CommitSynced);

                Assert.Equal(k < steps, cut);
                Assert.Equal(k, card.OperationCount);
                if (cut)
                {
                    Assert.Throws<PowerCutException>(() => card.List());
                    Assert.Throws<PowerCutException>(() => card.Exists("MSG1.TMP"));
                    Assert.Throws<PowerCutException>(() => card.SyncDirectory());
                    Assert.Equal(k, card.OperationCount);
                }
            }
        }

        [Fact]
        public void PowerCut_AtEveryStepOfASyncedCommit_LeavesTheWholeMessageOrNone()
        {
            int steps = CountOperations(CommitSynced);
            for (int k = 0; k <= steps; k++)
            {
                for (int seed = -1; seed < 20; seed++) // -1: clean reboot
                {
                    var card = new SimulatedStorage();
                    card.CutPowerAfter(k);
                    RunUntilPowerCut(card, CommitSynced);
                    if (seed < 0) card.Reboot(); else card.RebootTorn(seed);

                    if (card.Exists("MSG1.QUE"))
                        Assert.True(Body == ReadAll(card, "MSG1.QUE"), "step " + k + ", seed " + seed);
                    if (seed < 0) Assert.Equal(k == steps, card.Exists("MSG1.QUE"));
                }
            }
        }

        [Fact]
        public void PowerCut_CommitWithoutSync_IsCaughtWithAHalfMessage()
        {
            // The simulator's reason to exist: forgetting Sync before the commit must show up.
            int steps = CountOperations(CommitWithoutSync);
            int clean = 0, torn = 0;
            for (int k = 0; k <= steps; k++)
            {
                for (int seed = -1; seed < 20; seed++)
                {
                    var card = new SimulatedStorage();
                    card.CutPowerAfter(k);
                    RunUntilPowerCut(card, CommitWithoutSync);
                    if (seed < 0) card.Reboot(); else card.RebootTorn(seed);

                    if (card.Exists("MSG1.QUE") && ReadAll(card, "MSG1.QUE") != Body)
                    {
                        if (seed < 0) clean++; else torn++;
                    }
                }
            }

            Assert.True(clean > 0);
            Assert.True(torn > 0);
        }

        [Fact]
        public void PowerCut_BeforeSync_LeavesTheBytesUndurable()
        {
            var card = new SimulatedStorage();
            int handle = card.Create("LOG");
            card.SyncDirectory();
            card.Append(handle, Ascii("abc"), 0, 3);
            card.CutPowerAfter(0);

            Assert.Throws<PowerCutException>(() => card.Sync(handle));

            card.Reboot();
            Assert.Equal(0, card.Length("LOG"));
        }

        [Fact]
        public void PowerCut_BeforeSyncDirectory_LeavesTheNameUndurable()
        {
            var card = new SimulatedStorage();
            Write(card, "MSG1.TMP", "");
            card.CutPowerAfter(0);

            Assert.Throws<PowerCutException>(() => card.SyncDirectory());

            card.Reboot();
            Assert.False(card.Exists("MSG1.TMP"));
        }

        [Fact]
        public void PowerCut_BeforeCreateRenameDeleteOrAppend_NeverShowsTheirEffect()
        {
            // Torn reboots let unsynced changes through, so an effect that had happened would show.
            bool sawEarlierChange = false;
            for (int seed = 0; seed < 40; seed++)
            {
                var card = new SimulatedStorage();
                WriteDurably(card, "KEEP", "kept");
                WriteDurably(card, "OLD", "old");
                int handle = card.OpenAppend("KEEP");
                Write(card, "EARLIER", "");
                card.CutPowerAfter(0);

                Assert.Throws<PowerCutException>(() => card.Create("NEW"));
                Assert.Throws<PowerCutException>(() => card.Rename("OLD", "MOVED"));
                Assert.Throws<PowerCutException>(() => card.Delete("OLD"));
                Assert.Throws<PowerCutException>(() => card.Append(handle, Ascii("more"), 0, 4));

                card.RebootTorn(seed);
                Assert.False(card.Exists("NEW"));
                Assert.False(card.Exists("MOVED"));
                Assert.Equal("old", ReadAll(card, "OLD"));
                Assert.Equal("kept", ReadAll(card, "KEEP"));
                sawEarlierChange |= card.Exists("EARLIER");
            }
            Assert.True(sawEarlierChange);
        }

        // Torn reboots

        [Fact]
        public void RebootTorn_KeepsOnlyPrefixesAndChangesThatHappened()
        {
            bool partial = false, renamed = false, bothNames = false, renameLost = false;
            bool createKept = false, createLost = false, deleteKept = false, deleteLost = false;
            for (int seed = 0; seed < 200; seed++)
            {
                SimulatedStorage card = BusyCard();
                card.RebootTorn(seed);
                string context = "seed " + seed;

                string[] names = card.List();
                Assert.True(names.All(n => n is "DUR" or "NEWF" or "OLD" or "REN" or "DEL"), context);
                Assert.True(names.Contains("OLD") || names.Contains("REN"), context);
                foreach (string name in names)
                {
                    string content = ReadAll(card, name);
                    (string full, int durable) = BusyCardFile(name);
                    Assert.True(full.StartsWith(content, StringComparison.Ordinal), context + ": " + name + " is not a prefix");
                    Assert.True(content.Length >= durable, context + ": " + name + " lost synced bytes");
                    partial |= content.Length > durable && content.Length < full.Length;
                }
                renamed |= names.Contains("REN") && !names.Contains("OLD");
                bothNames |= names.Contains("REN") && names.Contains("OLD");
                renameLost |= !names.Contains("REN");
                createKept |= names.Contains("NEWF");
                createLost |= !names.Contains("NEWF");
                deleteKept |= !names.Contains("DEL");
                deleteLost |= names.Contains("DEL");
            }

            Assert.True(partial, "no unsynced append survived partially");
            Assert.True(renamed && bothNames && renameLost, "not every rename outcome was seen");
            Assert.True(createKept && createLost && deleteKept && deleteLost, "not every create/delete outcome was seen");
        }

        [Fact]
        public void RebootTorn_SameSeed_SameCard_DifferentSeeds_DifferentCards()
        {
            var outcomes = new HashSet<string>();
            for (int seed = 0; seed < 20; seed++)
            {
                SimulatedStorage first = BusyCard(), second = BusyCard();
                first.RebootTorn(seed);
                second.RebootTorn(seed);

                Assert.Equal(Describe(first), Describe(second));
                outcomes.Add(Describe(first));
            }
            Assert.True(outcomes.Count > 5);
        }

        [Fact]
        public void Reboot_Clean_ShowsExactlyTheDurableState()
        {
            SimulatedStorage card = BusyCard();

            card.Reboot();

            Assert.Equal("DEL=del|DUR=durable|OLD=old-synced|", Describe(card));
        }

        // Scripted I/O errors

        [Theory]
        [MemberData(nameof(AllOperations))]
        public void FailNext_ThrowsTheGivenErrorOnce_WithoutEffect(StorageOperation operation)
        {
            var bench = new Bench();
            Action call = bench.Prepare(operation);
            string before = Describe(bench.Card);
            var cardFull = new IOException("card full");
            bench.Card.FailNext(operation, cardFull);

            Assert.Same(cardFull, Assert.Throws<IOException>(call));

            Assert.Equal(before, Describe(bench.Card));
            Assert.False(bench.Card.IsPowerOff);
            if (operation == StorageOperation.Close)
            {
                // Like close(2) and HostStorage: the handle is released all the same; closing it again is misuse.
                Assert.Throws<InvalidOperationException>(call);
                return;
            }
            call(); // the same call now succeeds
        }

        [Fact]
        public void FailAfter_AtEveryStep_ThrowsOnceThere_AndTheCardStaysUp()
        {
            int steps = CountOperations(CommitSynced);
            for (int k = 0; k < steps; k++)
            {
                var card = new SimulatedStorage();
                var removed = new IOException("card removed");
                card.FailAfter(k, removed);

                Assert.Same(removed, Assert.Throws<IOException>(() => CommitSynced(card)));

                Assert.Equal(k + 1, card.OperationCount);
                Assert.False(card.IsPowerOff);
                card.List();
            }
        }

        // Counting

        [Theory]
        [InlineData(StorageOperation.Create, 1)]
        [InlineData(StorageOperation.Append, 1)]
        [InlineData(StorageOperation.Sync, 1)]
        [InlineData(StorageOperation.Close, 1)]
        [InlineData(StorageOperation.Rename, 1)]
        [InlineData(StorageOperation.Delete, 1)]
        [InlineData(StorageOperation.SyncDirectory, 1)]
        [InlineData(StorageOperation.OpenAppend, 0)]
        [InlineData(StorageOperation.OpenRead, 0)]
        [InlineData(StorageOperation.Read, 0)]
        [InlineData(StorageOperation.Exists, 0)]
        [InlineData(StorageOperation.Length, 0)]
        [InlineData(StorageOperation.List, 0)]
        public void OperationCount_CountsChangesAndSyncsOnly(StorageOperation operation, int counted)
        {
            var bench = new Bench();
            Action call = bench.Prepare(operation);
            int before = bench.Card.OperationCount;

            call();

            Assert.Equal(before + counted, bench.Card.OperationCount);
        }

        [Fact]
        public void OperationCount_CountsFailedCallsToo_AndKeepsCountingAfterReboot()
        {
            var card = new SimulatedStorage();
            Assert.ThrowsAny<IOException>(() => card.Delete("NONE"));
            Assert.Equal(1, card.OperationCount);

            card.Reboot();
            card.SyncDirectory();
            Assert.Equal(2, card.OperationCount);
        }

        // Scenarios and helpers

        public static TheoryData<StorageOperation> AllOperations()
        {
            var data = new TheoryData<StorageOperation>();
            foreach (StorageOperation operation in Enum.GetValues<StorageOperation>()) data.Add(operation);
            return data;
        }

        // The spool's commit as DESIGN.md describes it: temporary file, synced, renamed, folder synced.
        private static void CommitSynced(SimulatedStorage card) => Commit(card, true);

        private static void CommitWithoutSync(SimulatedStorage card) => Commit(card, false);

        private static void Commit(SimulatedStorage card, bool sync)
        {
            byte[] body = Ascii(Body);
            int handle = card.Create("MSG1.TMP");
            card.Append(handle, body, 0, 10);
            card.Append(handle, body, 10, body.Length - 10);
            if (sync) card.Sync(handle);
            card.Close(handle);
            Assert.True(card.Rename("MSG1.TMP", "MSG1.QUE"));
            card.SyncDirectory();
        }

        private static int CountOperations(Action<SimulatedStorage> scenario)
        {
            var card = new SimulatedStorage();
            scenario(card);
            return card.OperationCount;
        }

        private static bool RunUntilPowerCut(SimulatedStorage card, Action<SimulatedStorage> scenario)
        {
            try
            {
                scenario(card);
                return false;
            }
            catch (PowerCutException)
            {
                return true;
            }
        }

        private static void WriteDurably(SimulatedStorage card, string name, string text)
        {
            int handle = card.Create(name);
            byte[] bytes = Ascii(text);
            card.Append(handle, bytes, 0, bytes.Length);
            card.Sync(handle);
            card.Close(handle);
            card.SyncDirectory();
        }

        // A card with every kind of unsynced state: appends past a sync, a new name with synced
        // bytes, a rename and a delete, none of them followed by SyncDirectory.
        private static SimulatedStorage BusyCard()
        {
            var card = new SimulatedStorage();
            WriteDurably(card, "DUR", "durable");
            WriteDurably(card, "OLD", "old-synced");
            WriteDurably(card, "DEL", "del");

            int dur = card.OpenAppend("DUR");
            card.Append(dur, Ascii("|unsynced-appends"), 0, 17);
            card.Close(dur);

            int old = card.OpenAppend("OLD");
            card.Append(old, Ascii("+tail"), 0, 5);
            card.Close(old);
            Assert.True(card.Rename("OLD", "REN"));

            int created = card.Create("NEWF");
            card.Append(created, Ascii("new-synced"), 0, 10);
            card.Sync(created);
            card.Append(created, Ascii("+unsynced"), 0, 9);
            card.Close(created);

            card.Delete("DEL");
            return card;
        }

        private static (string Full, int Durable) BusyCardFile(string name) => name switch
        {
            "DUR" => ("durable|unsynced-appends", 7),
            "OLD" or "REN" => ("old-synced+tail", 10),
            "NEWF" => ("new-synced+unsynced", 10),
            "DEL" => ("del", 3),
            _ => throw new ArgumentException(name),
        };

        private static string Describe(SimulatedStorage card)
        {
            var text = new System.Text.StringBuilder();
            foreach (string name in SortedList(card)) text.Append(name).Append('=').Append(ReadAll(card, name)).Append('|');
            return text.ToString();
        }

        // One call of each kind, on a card prepared so that the call can succeed (and, having failed
        // without effect, succeed when repeated). Prepare does the setup; only the returned call is measured.
        private sealed class Bench
        {
            public readonly SimulatedStorage Card = new SimulatedStorage();
            private readonly int _appending;
            private readonly int _reading;

            public Bench()
            {
                Write(Card, "OLD", "abc");
                _appending = Card.Create("APP");
                _reading = Card.OpenRead("OLD");
            }

            public Action Prepare(StorageOperation operation)
            {
                switch (operation)
                {
                    case StorageOperation.Create: return () => Card.Create("NEW");
                    case StorageOperation.OpenAppend: Write(Card, "CLOSED", "x"); return () => Card.OpenAppend("CLOSED");
                    case StorageOperation.OpenRead: return () => Card.OpenRead("OLD");
                    case StorageOperation.Append: return () => Card.Append(_appending, new byte[] { 1, 2 }, 0, 2);
                    case StorageOperation.Read: return () => Card.Read(_reading, 1, new byte[4], 0, 4);
                    case StorageOperation.Sync: return () => Card.Sync(_appending);
                    case StorageOperation.Close: int handle = Card.OpenRead("OLD"); return () => Card.Close(handle);
                    case StorageOperation.Rename: Write(Card, "FROM", "r"); return () => Assert.True(Card.Rename("FROM", "TO"));
                    case StorageOperation.Delete: Write(Card, "DOOMED", "d"); return () => Card.Delete("DOOMED");
                    case StorageOperation.Exists: return () => Assert.True(Card.Exists("OLD"));
                    case StorageOperation.Length: return () => Assert.Equal(3, Card.Length("OLD"));
                    case StorageOperation.List: return () => Card.List();
                    case StorageOperation.SyncDirectory: return () => Card.SyncDirectory();
                    default: throw new ArgumentOutOfRangeException(nameof(operation));
                }
            }
        }
    }
}
