// An in-memory SD card that can lose power, for deterministic tests of the spool's durability.
//
// Model. A file's bytes live in a StoredFile (an inode): Length bytes as the running system sees
// them, of which the first DurableLength are on the card; Sync(handle) makes all of them durable.
// Files are append-only, so the durable bytes are always a prefix. The folder has two maps from
// name to StoredFile: the visible one, which Create, Rename and Delete change, and the durable one,
// which SyncDirectory() replaces with a copy of the visible one. Directory changes made since the
// last SyncDirectory() are also kept, in order, for the torn reboot. Close makes nothing durable.
//
// Rules are HostStorage's, so the spool sees the same card in both: 8.3 names (IOException),
// Create fails on an existing name, Rename never replaces (false), no rename or delete of an
// open file and at most one append handle per file (like FatFs); handle misuse throws
// InvalidOperationException.
//
// Faults are data, scripted by the test:
//   - CutPowerAfter(n): n more counted operations happen, the next one throws PowerCutException
//     without taking effect, and from then on every call throws it (the device is dead);
//     CutPowerNow() kills it at once. Storages made with SimulatedStorage(shareWith) hang on one
//     power supply, like the folders of one SD card (SimulatedStorageFolders(card)): n then counts
//     the counted operations of all of them, the cut kills all of them, and each must be rebooted. Counted operations are the ones that change the card or
//     make it durable: Create, Append, Sync, Close, Rename, Delete and SyncDirectory. Opens, reads,
//     Exists, Length and List are not counted. OperationCount counts, since construction, the
//     counted operations that happened (succeeded or failed with an IOException); the one stopped
//     by a power cut did not happen. So a test runs a scenario once to learn its count N, then
//     replays it with the power cut after every k in 0..N.
//   - Reboot() restores power and shows what a real card shows after the cut: the durable names,
//     each with its durable bytes. RebootTorn(seed) is harsher and seeded: each directory change
//     since the last SyncDirectory() independently survives or not (a rename may also survive
//     half-done, leaving both names, as FAT's non-atomic rename can), and each surviving file keeps
//     a random prefix of its unsynced bytes. It never invents bytes, so self-checking records are
//     tested against truncation, not garbage. The same card and seed give the same result.
//     Both forget open handles, scripted faults and unsynced state; OperationCount keeps counting.
//   - FailNext(operation, error) makes the next call of that kind throw the given IOException
//     (card full, card removed) without effect — except that a Close that fails still releases
//     its handle, as close(2) and HostStorage do; FailAfter(n, error) does it to the counted
//     operation after the next n. The card stays powered.
//   - FailWrites(error) makes every counted operation throw it, without effect, until
//     HealWrites(): a card that turned read-only or is full; reads still work.
//   - Rot(name, position) flips a bit of a stored byte, durable or not: a worn card's sector that
//     reads back changed after it was written and synced (the records' CRCs must catch it).
//   FaultsThrown counts the scripted IOExceptions thrown so far, so a simulation can tell when a
//   scripted fault actually hit; CancelPowerCut forgets a cut scheduled but not yet struck.
// Observers (a simulation's checker, not the gateway) may look with PeekNames and PeekFile: the
// running system's view, with no counting, no scripted fault used up and no power needed.
// Not thread-safe, like the loop it serves.
using System;
using System.Collections.Generic;
using System.IO;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;

namespace MailGateway.Emulator.Simulation
{
    public sealed class SimulatedStorage : IStorage
    {
        private sealed class StoredFile
        {
            public byte[] Data = new byte[0];
            public int Length;
            public int DurableLength;

            public void Append(byte[] buffer, int offset, int count)
            {
                if (Length + count > Data.Length)
                {
                    byte[] grown = new byte[Math.Max(Length + count, Math.Max(64, Data.Length * 2))];
                    Buffer.BlockCopy(Data, 0, grown, 0, Length);
                    Data = grown;
                }
                Buffer.BlockCopy(buffer, offset, Data, Length, count);
                Length += count;
            }

            public StoredFile DurableCopy(int length)
            {
                var copy = new StoredFile { Data = new byte[length], Length = length, DurableLength = length };
                Buffer.BlockCopy(Data, 0, copy.Data, 0, length);
                return copy;
            }
        }

        private enum ChangeKind { Create, Rename, Delete }

        private sealed class DirectoryChange
        {
            public ChangeKind Kind;
            public string Name;
            public string NewName;
            public StoredFile File;
        }

        // Card
        private Dictionary<string, StoredFile> _names = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
        private ListingIndex _listing = new ListingIndex(); // for ListAfter
        private Dictionary<string, StoredFile> _durableNames = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
        private readonly List<DirectoryChange> _unsyncedChanges = new List<DirectoryChange>();

        // Handles (numbers are never reused, not even across reboots)
        private readonly OpenFiles<StoredFile> _open = new OpenFiles<StoredFile>();

        // The power supply, shared by the storages of one card.
        private sealed class Power
        {
            public bool Off;
            public int Operations; // counted operations of every storage on this supply
            public int CutAt = -1;
        }

        // Faults
        private readonly Power _power;
        private IOException _failWrites;
        private int _failAt = -1;
        private IOException _failAtError;
        private readonly Dictionary<StorageOperation, IOException> _failNext = new Dictionary<StorageOperation, IOException>();

        public SimulatedStorage()
        {
            _power = new Power();
        }

        /// <summary>A storage on the same power supply as shareWith: another folder of the same card (see the header).</summary>
        public SimulatedStorage(SimulatedStorage shareWith)
        {
            if (shareWith == null) throw new ArgumentNullException(nameof(shareWith));
            _power = shareWith._power;
        }

        /// <summary>Counted operations (see header) that happened since construction; never reset.</summary>
        public int OperationCount { get; private set; }

        /// <summary>Scripted IOExceptions (FailNext, FailAfter, FailWrites) thrown since construction.</summary>
        public int FaultsThrown { get; private set; }

        public bool IsPowerOff => _power.Off;

        // Fault scripting

        /// <summary>Lets 'operations' more counted operations happen; the next one throws PowerCutException
        /// without effect and the card stays dead until Reboot. 0 cuts before the next counted operation.</summary>
        public void CutPowerAfter(int operations)
        {
            if (operations < 0) throw new ArgumentOutOfRangeException(nameof(operations));
            _power.CutAt = _power.Operations + operations;
        }

        /// <summary>Forgets a power cut scheduled by CutPowerAfter that has not happened yet.</summary>
        public void CancelPowerCut()
        {
            _power.CutAt = -1;
        }

        public void CutPowerNow()
        {
            _power.Off = true;
        }

        /// <summary>The next call of this kind throws 'error' without effect (once).</summary>
        public void FailNext(StorageOperation operation, IOException error)
        {
            if (error == null) throw new ArgumentNullException(nameof(error));
            _failNext[operation] = error;
        }

        /// <summary>Lets 'operations' more counted operations happen; the next one throws 'error' without
        /// effect (it still counts). The card stays powered.</summary>
        public void FailAfter(int operations, IOException error)
        {
            if (operations < 0) throw new ArgumentOutOfRangeException(nameof(operations));
            if (error == null) throw new ArgumentNullException(nameof(error));
            _failAt = OperationCount + operations;
            _failAtError = error;
        }

        /// <summary>Every counted operation throws 'error' without effect (a read-only or full card)
        /// until HealWrites; reads work. The failed operations still count.</summary>
        public void FailWrites(IOException error)
        {
            _failWrites = error ?? throw new ArgumentNullException(nameof(error));
        }

        public void HealWrites()
        {
            _failWrites = null;
        }

        /// <summary>Power on after a cut (cutting it first if needed): only durable names with their
        /// durable bytes remain.</summary>
        public void Reboot()
        {
            Restart(null);
        }

        /// <summary>Like Reboot, but a seeded part of what was not yet durable survives: unsynced
        /// directory changes independently, and a prefix of each file's unsynced bytes.</summary>
        public void RebootTorn(int seed)
        {
            Restart(new Random(seed));
        }

        // IStorage

        public int Create(string name)
        {
            Begin(StorageOperation.Create);
            CheckName(name);
            if (_names.ContainsKey(name)) throw new IOException("Cannot create " + name + ": it already exists.");
            var file = new StoredFile();
            _names.Add(name, file);
            _listing.Added(name);
            _unsyncedChanges.Add(new DirectoryChange { Kind = ChangeKind.Create, Name = name, File = file });
            return _open.Add(name, file, true);
        }

        public int OpenAppend(string name)
        {
            Begin(StorageOperation.OpenAppend);
            StoredFile file = RequireFile(name);
            if (_open.IsOpenForAppend(file))
                throw new IOException("Cannot open " + name + " for appending: it is already open for appending.");
            return _open.Add(name, file, true);
        }

        public int OpenRead(string name)
        {
            Begin(StorageOperation.OpenRead);
            return _open.Add(name, RequireFile(name), false);
        }

        public void Append(int handle, byte[] buffer, int offset, int count)
        {
            Begin(StorageOperation.Append);
            var open = _open.Get(handle, true, "Append");
            CheckRange(buffer, offset, count);
            open.File.Append(buffer, offset, count);
        }

        public int Read(int handle, long position, byte[] buffer, int offset, int count)
        {
            Begin(StorageOperation.Read);
            var open = _open.Get(handle, false, "Read");
            CheckRange(buffer, offset, count);
            if (position < 0) throw new ArgumentOutOfRangeException(nameof(position));
            if (position >= open.File.Length) return 0;
            int n = (int)Math.Min(count, open.File.Length - position);
            Buffer.BlockCopy(open.File.Data, (int)position, buffer, offset, n);
            return n;
        }

        public void Sync(int handle)
        {
            Begin(StorageOperation.Sync);
            var open = _open.Get(handle, true, "Sync");
            open.File.DurableLength = open.File.Length;
        }

        public void Close(int handle)
        {
            try
            {
                Begin(StorageOperation.Close);
            }
            catch (IOException)
            {
                // Like close(2) and HostStorage: the handle is gone even when closing reports an error.
                _open.Remove(handle);
                throw;
            }
            _open.Remove(handle);
        }

        public bool Rename(string from, string to)
        {
            Begin(StorageOperation.Rename);
            CheckName(to);
            StoredFile file = RequireFile(from);
            if (_open.IsOpen(file)) throw new IOException("Cannot rename " + from + ": it is open.");
            if (_names.ContainsKey(to)) return false;
            _names.Remove(from);
            _names.Add(to, file);
            _listing.Removed(from);
            _listing.Added(to);
            _unsyncedChanges.Add(new DirectoryChange { Kind = ChangeKind.Rename, Name = from, NewName = to, File = file });
            return true;
        }

        public void Delete(string name)
        {
            Begin(StorageOperation.Delete);
            StoredFile file = RequireFile(name);
            if (_open.IsOpen(file)) throw new IOException("Cannot delete " + name + ": it is open.");
            _names.Remove(name);
            _listing.Removed(name);
            _unsyncedChanges.Add(new DirectoryChange { Kind = ChangeKind.Delete, Name = name, File = file });
        }

        public bool Exists(string name)
        {
            Begin(StorageOperation.Exists);
            CheckName(name);
            return _names.ContainsKey(name);
        }

        public long Length(string name)
        {
            Begin(StorageOperation.Length);
            return RequireFile(name).Length;
        }

        /// <summary>Sorted, for reproducible simulations; callers must not rely on the order.</summary>
        /// <summary>
        /// For a simulation's observers, not for the gateway: the names the running system sees,
        /// sorted, without counting, scripted faults or power (works while the card is dead).
        /// </summary>
        public string[] PeekNames()
        {
            var names = new string[_names.Count];
            _names.Keys.CopyTo(names, 0);
            Array.Sort(names, StringComparer.Ordinal);
            return names;
        }

        /// <summary>Flips the lowest bit of the byte at position in name (see the header: bit rot).</summary>
        public void Rot(string name, long position)
        {
            if (!_names.TryGetValue(name, out StoredFile file) || position < 0 || position >= file.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(position), name + " has no byte at " + position);
            }
            file.Data[position] ^= 1;
        }

        /// <summary>For observers: a file's bytes as the running system sees them (see PeekNames); null if there is none.</summary>
        public byte[] PeekFile(string name)
        {
            if (!_names.TryGetValue(name, out StoredFile file)) return null;
            var bytes = new byte[file.Length];
            Buffer.BlockCopy(file.Data, 0, bytes, 0, file.Length);
            return bytes;
        }

        public string[] List()
        {
            Begin(StorageOperation.List);
            var names = new string[_names.Count];
            _names.Keys.CopyTo(names, 0);
            Array.Sort(names, StringComparer.Ordinal);
            return names;
        }

        public string[] ListAfter(string after, int max)
        {
            Begin(StorageOperation.List);
            return _listing.Page(after, max, () =>
            {
                var names = new string[_names.Count];
                _names.Keys.CopyTo(names, 0);
                return names;
            });
        }

        public void SyncDirectory()
        {
            Begin(StorageOperation.SyncDirectory);
            // The changes since the last sync, applied in order, make the durable names the names
            // now (every change to the names is recorded): no copy of a folder of 100,000 files.
            foreach (DirectoryChange change in _unsyncedChanges)
            {
                if (change.Kind == ChangeKind.Create) _durableNames[change.Name] = change.File;
                else if (change.Kind == ChangeKind.Delete) _durableNames.Remove(change.Name);
                else
                {
                    _durableNames.Remove(change.Name);
                    _durableNames[change.NewName] = change.File;
                }
            }
            _unsyncedChanges.Clear();
            if (_durableNames.Count != _names.Count) throw new InvalidOperationException("simulator bug: durable names out of step");
        }

        // Power and faults

        private static bool IsCounted(StorageOperation operation)
        {
            switch (operation)
            {
                case StorageOperation.Create:
                case StorageOperation.Append:
                case StorageOperation.Sync:
                case StorageOperation.Close:
                case StorageOperation.Rename:
                case StorageOperation.Delete:
                case StorageOperation.SyncDirectory:
                    return true;
                default:
                    return false;
            }
        }

        // Runs first in every call: power, the count, then scripted I/O errors — all before any effect.
        private void Begin(StorageOperation operation)
        {
            if (_power.Off) throw new PowerCutException(operation + ": the card has no power (reboot it first).");
            if (IsCounted(operation))
            {
                if (_power.Operations == _power.CutAt)
                {
                    _power.Off = true;
                    throw new PowerCutException("Power cut before " + operation + " (after " + OperationCount + " operations).");
                }
                _power.Operations++;
                int index = OperationCount++;
                if (_failWrites != null)
                {
                    FaultsThrown++;
                    throw _failWrites;
                }
                if (index == _failAt)
                {
                    IOException scripted = _failAtError;
                    _failAt = -1;
                    _failAtError = null;
                    FaultsThrown++;
                    throw scripted;
                }
            }
            if (_failNext.TryGetValue(operation, out IOException error))
            {
                _failNext.Remove(operation);
                FaultsThrown++;
                throw error;
            }
        }

        private void Restart(Random torn)
        {
            var names = new Dictionary<string, StoredFile>(_durableNames, StringComparer.Ordinal);
            if (torn != null) ReplaySomeChanges(names, torn);

            // Sorted, so that the seed alone decides which bytes survive.
            var sorted = new List<string>(names.Keys);
            sorted.Sort(StringComparer.Ordinal);
            var kept = new Dictionary<StoredFile, int>();
            var result = new Dictionary<string, StoredFile>(StringComparer.Ordinal);
            foreach (string name in sorted)
            {
                StoredFile file = names[name];
                if (!kept.TryGetValue(file, out int length))
                {
                    length = file.DurableLength;
                    if (torn != null && file.Length > length) length += torn.Next(file.Length - length + 1);
                    kept.Add(file, length);
                }
                result.Add(name, file.DurableCopy(length)); // one copy per name: no cross-linked files
            }

            _names = result;
            _listing = new ListingIndex();
            _durableNames = new Dictionary<string, StoredFile>(result, StringComparer.Ordinal);
            _unsyncedChanges.Clear();
            _open.Clear();
            _power.Off = false;
            _power.CutAt = -1;
            _failAt = -1;
            _failAtError = null;
            _failNext.Clear();
        }

        // Applies, in order, the unsynced directory changes that the seed lets survive. A change that
        // no longer fits (its name was taken or is gone) is dropped, as the card would never show it.
        private void ReplaySomeChanges(Dictionary<string, StoredFile> names, Random torn)
        {
            foreach (DirectoryChange change in _unsyncedChanges)
            {
                switch (change.Kind)
                {
                    case ChangeKind.Create:
                        if (torn.Next(2) == 1 && !names.ContainsKey(change.Name)) names.Add(change.Name, change.File);
                        break;
                    case ChangeKind.Delete:
                        if (torn.Next(2) == 1 && names.TryGetValue(change.Name, out StoredFile deleted) && deleted == change.File)
                            names.Remove(change.Name);
                        break;
                    case ChangeKind.Rename:
                        int outcome = torn.Next(3); // 0: lost, 1: done, 2: half done (new name written, old one kept)
                        if (outcome == 0 || names.ContainsKey(change.NewName)) break;
                        names.Add(change.NewName, change.File);
                        if (outcome == 1 && names.TryGetValue(change.Name, out StoredFile renamed) && renamed == change.File)
                            names.Remove(change.Name);
                        break;
                }
            }
        }

        // Names and handles

        private static void CheckName(string name)
        {
            if (!FatName.IsValid(name))
            {
                throw new IOException("'" + name + "' is not an 8.3 file name (1-8 characters, optionally '.' and "
                    + "1-3 characters, from A-Z, 0-9, '_' and '-').");
            }
        }

        private StoredFile RequireFile(string name)
        {
            CheckName(name);
            if (!_names.TryGetValue(name, out StoredFile file)) throw new FileNotFoundException(name + " does not exist.", name);
            return file;
        }

        private static void CheckRange(byte[] buffer, int offset, int count)
        {
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (offset < 0 || count < 0 || offset > buffer.Length - count)
                throw new ArgumentOutOfRangeException(nameof(count), "offset and count do not fit the buffer.");
        }
    }
}
