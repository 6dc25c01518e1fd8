// The spool folder on a host (desktop emulator, Raspberry Pi daemon): one real directory of files.
//
// It keeps the card's rules (IStorage's header) so that a spool that works here works on the ESP32:
//   - every name must pass FatName.IsValid (IOException otherwise); List() skips any other file and
//     every directory, so a stray "notes.txt" left by an operator cannot break recovery;
//   - Create opens with FileMode.CreateNew, so it never reuses an existing name, even in a race;
//   - Rename is one renameat2(RENAME_NOREPLACE) on Linux (File.Move without overwrite elsewhere,
//     or where the C library or file system lacks it) and answers false when the target exists,
//     also when it appeared in the meantime; Delete is one unlink(2), which reports a missing file;
//   - like FatFs, an open file cannot be renamed or deleted, and a file has at most one append
//     handle (the card's driver refuses or corrupts both).
// Files are bare handles with gathered appends and read-ahead (HostFile).
// Durability: Sync(handle) is fsync of the file. The spool's group commit runs beside the loop
// (IBackgroundCommit): a thread of its own syncs the batch's files on parallel threads
// (SyncWorkers, so the file system merges their journal commits), closes and renames them and syncs
// the folder, then calls CommitEnded; the loop, never blocked meanwhile, collects the outcome with
// FinishCommit. That thread touches only the batch's files; every other call stays the loop's.
// SyncDirectory() is fsync of the directory itself, which .NET has no API for, so it calls libc's
// open/fsync/close on Linux; elsewhere it does nothing (the desktop emulator makes no durability
// promise).
// Length() and a newly opened reader see every byte appended so far (HostFile's gathered appends
// are handed to the OS first). Handles are small ints that are never reused, so a stale handle
// is reported as misuse (InvalidOperationException) instead of reaching another file.
// TryLock (mailgw run) keeps a second gateway off the folder with flock(2) until Dispose.
// Not thread-safe: the loop owns it, as it owns all core state.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;
using MailGateway.Core.Runtime;
using Microsoft.Win32.SafeHandles;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostStorage : IStorage, IBackgroundCommit, IDisposable
    {
        private readonly string _directory;
        private readonly OpenFiles<HostFile> _open = new OpenFiles<HostFile>();

        /// <summary>Uses the directory as the spool folder, creating it if it is missing.</summary>
        public HostStorage(string directory)
        {
            if (directory == null) throw new ArgumentNullException(nameof(directory));
            _directory = Path.GetFullPath(directory);
            try
            {
                Directory.CreateDirectory(_directory);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot create the storage directory " + _directory + ": " + e.Message, e);
            }
        }

        public string DirectoryPath => _directory;

        // False only for Maildir subfolders (MaildirStorage), whose file names are long by design.
        private bool _fatNames = true;
        private int _lockDescriptor = -1; // TryLock's flock(2), held until Dispose

        /// <summary>A storage whose file names need not be 8.3 (host-only Maildir); every other rule stays.</summary>
        public static HostStorage ForLongNames(string directory)
        {
            return new HostStorage(directory) { _fatNames = false };
        }

        public int Create(string name)
        {
            string path = PathOf(name);
            HostFile file;
            try
            {
                file = new HostFile(File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite), 0);
            }
            catch (IOException) when (NameTaken(path))
            {
                throw new IOException("Cannot create " + name + ": it already exists.");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot create " + name + ": " + e.Message, e);
            }
            _listing.Added(name);
            return _open.Add(name, file, true);
        }

        public int OpenAppend(string name)
        {
            string path = PathOf(name);
            RequireFile(name, path);
            foreach (var open in _open.All)
            {
                if (open.ForAppend && open.Name == name)
                    throw new IOException("Cannot open " + name + " for appending: it is already open for appending.");
            }
            SafeFileHandle handle = OpenHandle(name, path, FileAccess.Write);
            long end;
            try
            {
                end = RandomAccess.GetLength(handle);
            }
            catch (IOException e)
            {
                handle.Dispose();
                throw new IOException("Cannot open " + name + " for appending: " + e.Message, e);
            }
            return _open.Add(name, new HostFile(handle, end), true);
        }

        public int OpenRead(string name)
        {
            string path = PathOf(name);
            FlushAppends(name); // a reader sees every byte appended so far
            return _open.Add(name, new HostFile(OpenHandle(name, path, FileAccess.Read), 0), false);
        }

        public void Append(int handle, byte[] buffer, int offset, int count)
        {
            var open = _open.Get(handle, true, "Append");
            try
            {
                open.File.Append(buffer, offset, count);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot append to " + open.Name + ": " + e.Message, e);
            }
        }

        public int Read(int handle, long position, byte[] buffer, int offset, int count)
        {
            var open = _open.Get(handle, false, "Read");
            if (buffer == null) throw new ArgumentNullException(nameof(buffer));
            if (position < 0) throw new ArgumentOutOfRangeException(nameof(position));
            try
            {
                if (!open.File.Holds(position, count)) FlushAppends(open.Name); // it reads the file: all of it
                return open.File.Read(position, buffer, offset, count);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot read " + open.Name + ": " + e.Message, e);
            }
        }

        public void Sync(int handle)
        {
            var open = _open.Get(handle, true, "Sync");
            try
            {
                open.File.Flush();
                RandomAccess.FlushToDisk(open.File.Handle); // fsync
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot sync " + open.Name + ": " + e.Message, e);
            }
        }

        // ---- Background commit (IBackgroundCommit) -------------------------------------------

        private sealed class CommitJob
        {
            public HostFile[] Files;
            public string[] FromPaths, ToPaths, Errors;
            public bool[] Renamed;
            public string FolderError;
        }

        private CommitJob _commit;                 // started and not yet finished by the loop
        private readonly ManualResetEventSlim _commitDone = new ManualResetEventSlim(false);
        private readonly AutoResetEvent _commitStart = new AutoResetEvent(false);
        private Thread _committer;
        private readonly SyncWorkers _syncWorkers = new SyncWorkers();

        /// <summary>Called on the commit thread when a batch has ended: the host wakes its loop with it.</summary>
        public Action CommitEnded;

        public void StartCommit(int[] handles, string[] from, string[] to, int count)
        {
            if (_commit != null) throw new InvalidOperationException("StartCommit: a batch is still committing.");
            var job = new CommitJob
            {
                Files = new HostFile[count], FromPaths = new string[count], ToPaths = new string[count],
                Errors = new string[count], Renamed = new bool[count],
            };
            for (int i = 0; i < count; i++)
            {
                var open = _open.Get(handles[i], true, "StartCommit");
                _open.Remove(handles[i]);
                job.Files[i] = open.File;
                job.FromPaths[i] = PathOf(from[i]);
                job.ToPaths[i] = PathOf(to[i]);
                try
                {
                    open.File.Flush(); // the gathered appends, here on the loop's thread (HostFile is not shared)
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    job.Errors[i] = "Cannot append to " + from[i] + ": " + e.Message;
                }
            }
            _commit = job;
            _commitDone.Reset();
            if (_committer == null)
            {
                _committer = new Thread(CommitLoop) { IsBackground = true, Name = "spool commit" };
                _committer.Start();
            }
            _commitStart.Set();
        }

        public bool FinishCommit(bool[] renamed, string[] errors, out string folderError)
        {
            CommitJob job = _commit ?? throw new InvalidOperationException("FinishCommit: no batch was started.");
            folderError = null;
            if (!_commitDone.IsSet) return false;
            _commit = null;
            for (int i = 0; i < job.Files.Length; i++)
            {
                renamed[i] = job.Renamed[i];
                errors[i] = job.Errors[i];
                if (!job.Renamed[i]) continue;
                _listing.Removed(Path.GetFileName(job.FromPaths[i]));
                _listing.Added(Path.GetFileName(job.ToPaths[i]));
            }
            folderError = job.FolderError;
            return true;
        }

        public void WaitCommit()
        {
            if (_commit != null) _commitDone.Wait();
        }

        private void CommitLoop()
        {
            while (true)
            {
                _commitStart.WaitOne();
                CommitJob job = _commit;
                try
                {
                    Commit(job);
                }
                catch (Exception e)
                {
                    // Nothing here may end the process (a thread's exception would): the batch
                    // fails instead, and its clients get 4xx. What was renamed stays undurable,
                    // and the spool takes it back (Unrename).
                    for (int i = 0; i < job.Errors.Length; i++)
                    {
                        if (!job.Renamed[i] && job.Errors[i] == null) job.Errors[i] = "internal error in the commit: " + e.GetType().Name + ": " + e.Message;
                    }
                    job.FolderError ??= "internal error in the commit: " + e.GetType().Name + ": " + e.Message;
                    foreach (HostFile file in job.Files) file.Dispose(); // closing twice is harmless
                }
                _commitDone.Set();
                CommitEnded?.Invoke();
            }
        }

        // On the commit thread: every file synced (on parallel threads: the file system merges the
        // commits) and closed, then renamed, then one folder sync for all.
        private void Commit(CommitJob job)
        {
            int count = job.Files.Length;
            _syncWorkers.Run(count, i =>
            {
                if (job.Errors[i] != null) return;
                try
                {
                    RandomAccess.FlushToDisk(job.Files[i].Handle); // fsync
                }
                catch (Exception e)
                {
                    // Any failure, not only an I/O error: a file whose sync did not go through
                    // must never be renamed as if it had.
                    job.Errors[i] = "Cannot sync " + Path.GetFileName(job.FromPaths[i]) + ": " + e.Message;
                }
            });
            bool any = false;
            for (int i = 0; i < count; i++)
            {
                job.Files[i].Dispose();
                if (job.Errors[i] != null) continue;
                int error = RenameWithoutReplacing(job.FromPaths[i], job.ToPaths[i]);
                if (error == 0)
                {
                    job.Renamed[i] = any = true;
                    continue;
                }
                if (error == EEXIST) continue; // a taken final name leaves the error null (IBackgroundCommit)
                if (error > 0)
                {
                    job.Errors[i] = "Cannot rename " + Path.GetFileName(job.FromPaths[i]) + ": " + Marshal.GetPInvokeErrorMessage(error);
                    continue;
                }
                try
                {
                    File.Move(job.FromPaths[i], job.ToPaths[i], false);
                    job.Renamed[i] = any = true;
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // A taken final name leaves the error null (IBackgroundCommit).
                    if (!(NameTaken(job.ToPaths[i]) && File.Exists(job.FromPaths[i])))
                        job.Errors[i] = "Cannot rename " + Path.GetFileName(job.FromPaths[i]) + ": " + e.Message;
                }
            }
            if (!any && count > 0) return; // no file made it: nothing to sync (a batch of none is the sync alone)
            try
            {
                SyncDirectory();
            }
            catch (IOException e)
            {
                job.FolderError = e.Message;
            }
        }

        public void Close(int handle)
        {
            var open = _open.Remove(handle);
            try
            {
                if (open.ForAppend) open.File.Flush();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                open.File.Dispose();
                throw new IOException("Cannot close " + open.Name + ": " + e.Message, e);
            }
            try
            {
                open.File.Dispose();
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot close " + open.Name + ": " + e.Message, e);
            }
        }

        public bool Rename(string from, string to)
        {
            string fromPath = PathOf(from);
            string toPath = PathOf(to);
            if (IsOpen(from)) throw new IOException("Cannot rename " + from + ": it is open.");
            if (from == to)
            {
                RequireFile(from, fromPath);
                return false; // the target is taken: by the file itself
            }
            // No checks before the move (each a system call): the move itself refuses a missing
            // source or a taken target, and the catches below tell which.
            int error = RenameWithoutReplacing(fromPath, toPath);
            if (error == 0 || error == EEXIST || error == ENOENT)
            {
                if (error == ENOENT) throw new FileNotFoundException(from + " does not exist.", from);
                if (error == EEXIST) return false; // the target is taken (FAT cannot replace)
                _listing.Removed(from);
                _listing.Added(to);
                return true;
            }
            if (error > 0) throw new IOException("Cannot rename " + from + " to " + to + ": " + Marshal.GetPInvokeErrorMessage(error) + " (errno " + error + ").");
            try
            {
                File.Move(fromPath, toPath, false);
                _listing.Removed(from);
                _listing.Added(to);
                return true;
            }
            catch (IOException) when (!File.Exists(fromPath))
            {
                throw new FileNotFoundException(from + " does not exist.", from);
            }
            catch (IOException) when (NameTaken(toPath) && File.Exists(fromPath))
            {
                return false; // the target is taken (FAT cannot replace)
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot rename " + from + " to " + to + ": " + e.Message, e);
            }
        }

        public void Delete(string name)
        {
            string path = PathOf(name);
            if (IsOpen(name)) throw new IOException("Cannot delete " + name + ": it is open.");
            // unlink(2) itself, not File.Delete: that one says nothing of a missing file, which the
            // contract must report, and asking first would cost a system call every time.
            if (OperatingSystem.IsLinux())
            {
                if (unlink(path) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == ENOENT) throw new FileNotFoundException(name + " does not exist.", name);
                    throw new IOException("Cannot delete " + name + ": " + Marshal.GetPInvokeErrorMessage(errno) + " (errno " + errno + ").");
                }
                _listing.Removed(name);
                return;
            }
            RequireFile(name, path);
            try
            {
                File.Delete(path);
                _listing.Removed(name);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot delete " + name + ": " + e.Message, e);
            }
        }

        public bool Exists(string name)
        {
            return File.Exists(PathOf(name));
        }

        public long Length(string name)
        {
            string path = PathOf(name);
            try
            {
                FlushAppends(name); // includes the bytes still gathered in an open handle
                return new FileInfo(path).Length;
            }
            catch (FileNotFoundException e)
            {
                throw new FileNotFoundException("Cannot get the length of " + name + ": it does not exist.", name, e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot get the length of " + name + ": " + e.Message, e);
            }
        }

        public string[] List()
        {
            var names = new List<string>();
            try
            {
                foreach (string path in Directory.EnumerateFiles(_directory))
                {
                    string name = Path.GetFileName(path);
                    if (FatName.IsValid(name)) names.Add(name);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot list the storage directory " + _directory + ": " + e.Message, e);
            }
            return names.ToArray();
        }

        private readonly ListingIndex _listing = new ListingIndex();

        public string[] ListAfter(string after, int max)
        {
            return _listing.Page(after, max, List);
        }

        public void SyncDirectory() => SyncFolder(_directory);

        /// <summary>fsync(2) on a folder: the names made, renamed or removed in it are durable. Throws IOException.</summary>
        public static void SyncFolder(string folder)
        {
            if (!OperatingSystem.IsLinux()) return;
            int fd = open(folder, ORdOnly | ODirectoryFlag());
            if (fd < 0) throw LibcError("Cannot open the folder " + folder + " to sync it");
            try
            {
                if (fsync(fd) != 0) throw LibcError("Cannot sync the folder " + folder);
            }
            finally
            {
                close(fd);
            }
        }

        /// <summary>
        /// Takes the folder for this process alone: flock(2) on the folder, which the system drops
        /// when the process ends in any way (kill -9 too) or at Dispose. False when another process
        /// holds it: two gateways on one spool would hand out the same queue IDs and deliver each
        /// other's messages. Linux only; elsewhere (the desktop emulator) it always succeeds. Throws IOException.
        /// </summary>
        public bool TryLock()
        {
            if (!OperatingSystem.IsLinux() || _lockDescriptor >= 0) return true;
            int fd = open(_directory, ORdOnly | ODirectoryFlag() | OCloseOnExec);
            if (fd < 0) throw LibcError("Cannot open the folder " + _directory + " to lock it");
            if (flock(fd, LockExclusive | LockNonBlocking) == 0)
            {
                _lockDescriptor = fd;
                return true;
            }
            bool held = Marshal.GetLastPInvokeError() == EWOULDBLOCK;
            IOException error = LibcError("Cannot lock the folder " + _directory);
            close(fd);
            if (held) return false;
            throw error;
        }

        /// <summary>Closes every open handle (their unsynced bytes stay with the OS, as after Close), and drops the lock.</summary>
        public void Dispose()
        {
            WaitCommit();
            foreach (var open in _open.All)
            {
                try
                {
                    if (open.ForAppend) open.File.Flush();
                }
                catch (IOException)
                {
                    // unsynced bytes: never promised durable
                }
                open.File.Dispose();
            }
            _open.Clear();
            if (_lockDescriptor >= 0)
            {
                close(_lockDescriptor); // last: no other gateway starts on the folder while this one still commits
                _lockDescriptor = -1;
            }
        }

        // Names and handles

        private static bool IsPlainFileName(string name)
        {
            return !string.IsNullOrEmpty(name) && name.IndexOfAny(new[] { '/', '\\', '\0' }) < 0 && name != "." && name != "..";
        }

        private string PathOf(string name)
        {
            if (_fatNames ? !FatName.IsValid(name) : !IsPlainFileName(name))
            {
                throw new IOException("'" + name + "' is not an 8.3 file name (1-8 characters, optionally '.' and "
                    + "1-3 characters, from A-Z, 0-9, '_' and '-').");
            }
            return Path.Combine(_directory, name);
        }

        private static bool NameTaken(string path)
        {
            return File.Exists(path) || Directory.Exists(path);
        }

        private static void RequireFile(string name, string path)
        {
            if (!File.Exists(path)) throw new FileNotFoundException(name + " does not exist.", name);
        }

        private bool IsOpen(string name)
        {
            foreach (var open in _open.All)
            {
                if (open.Name == name) return true;
            }
            return false;
        }

        // Hands the gathered appends of an open appending handle of the name to the OS (HostFile).
        private void FlushAppends(string name)
        {
            foreach (var open in _open.All)
            {
                if (open.ForAppend && open.Name == name) open.File.Flush();
            }
        }

        private static SafeFileHandle OpenHandle(string name, string path, FileAccess access)
        {
            try
            {
                return File.OpenHandle(path, FileMode.Open, access, FileShare.ReadWrite);
            }
            catch (FileNotFoundException e)
            {
                throw new FileNotFoundException(name + " does not exist.", name, e);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot open " + name + ": " + e.Message, e);
            }
        }

        // libc, for the directory fsync that .NET lacks, and unlink (Delete)

        private const int ORdOnly = 0;

        private static int ODirectoryFlag()
        {
            // O_DIRECTORY is 0x10000 in asm-generic (x86, x86-64, RISC-V, LoongArch) but 0x4000 on
            // 32- and 64-bit ARM (Raspberry Pi). It only adds a check, so elsewhere we leave it out.
            switch (RuntimeInformation.ProcessArchitecture)
            {
                case Architecture.Arm:
                case Architecture.Arm64:
                case Architecture.Armv6:
                    return 0x4000;
                case Architecture.X86:
                case Architecture.X64:
                case Architecture.RiscV64:
                case Architecture.LoongArch64:
                    return 0x10000;
                default:
                    return 0;
            }
        }

        private static IOException LibcError(string what)
        {
            int errno = Marshal.GetLastPInvokeError();
            return new IOException(what + ": " + Marshal.GetPInvokeErrorMessage(errno) + " (errno " + errno + ").");
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", SetLastError = true)]
        private static extern int fsync(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern int flock(int fd, int operation);

        private const int LockExclusive = 2;    // LOCK_EX
        private const int LockNonBlocking = 4;  // LOCK_NB
        private const int EWOULDBLOCK = 11;     // EAGAIN, on every Linux architecture .NET runs on
        private const int OCloseOnExec = 0x80000; // O_CLOEXEC (the same value on x86, x86-64, ARM and ARM64)

        [DllImport("libc", SetLastError = true)]
        private static extern int close(int fd);

        [DllImport("libc", SetLastError = true)]
        private static extern int unlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path);

        [DllImport("libc", SetLastError = true)]
        private static extern int renameat2(int oldDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath,
                                            int newDirectory, [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, uint flags);

        private const int AtCurrentDirectory = -100;   // AT_FDCWD
        private const uint RenameNoReplace = 1;         // RENAME_NOREPLACE
        private const int EEXIST = 17;
        private static bool _noRenameat2;               // the C library or the file system lacks it

        // rename(2) that never replaces (renameat2 RENAME_NOREPLACE, Linux 3.15 and glibc 2.28 on):
        // 0, or the errno; -1 where it cannot be used, for File.Move to do the work (it asks first
        // whether the target exists, a system call more, and then moves).
        private static int RenameWithoutReplacing(string fromPath, string toPath)
        {
            if (!OperatingSystem.IsLinux() || Volatile.Read(ref _noRenameat2)) return -1;
            try
            {
                if (renameat2(AtCurrentDirectory, fromPath, AtCurrentDirectory, toPath, RenameNoReplace) == 0) return 0;
            }
            catch (EntryPointNotFoundException)
            {
                Volatile.Write(ref _noRenameat2, true);
                return -1;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno != EINVAL && errno != ENOSYS) return errno;
            Volatile.Write(ref _noRenameat2, true);
            return -1;
        }

        private const int EINVAL = 22, ENOSYS = 38;

        private const int ENOENT = 2;
    }
}
