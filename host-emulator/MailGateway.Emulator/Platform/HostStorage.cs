// The spool folder on a host (desktop emulator, Raspberry Pi daemon): one real directory of files.
//
// It keeps the card's rules (IStorage's header) so that a spool that works here works on the ESP32:
//   - every name must pass FatName.IsValid (IOException otherwise); List() skips any other file and
//     every directory, so a stray "notes.txt" left by an operator cannot break recovery;
//   - Create opens with FileMode.CreateNew, so it never reuses an existing name, even in a race;
//   - Rename uses File.Move without overwrite (link + unlink on Linux, which fails if the target
//     exists) and answers false when the target exists, also when it appeared in the meantime;
//   - like FatFs, an open file cannot be renamed or deleted, and a file has at most one append
//     handle (the card's driver refuses or corrupts both).
// Durability: Sync(handle) is fsync of the file (FileStream.Flush(true)). SyncDirectory() is fsync of
// the directory itself, which .NET has no API for, so it calls libc's open/fsync/close on Linux;
// elsewhere it does nothing (the desktop emulator makes no durability promise).
// Streams are unbuffered: every Append reaches the OS at once, so Length() and read handles see it
// (the spool buffers on its own). Handles are small ints that are never reused, so a stale handle
// is reported as misuse (InvalidOperationException) instead of reaching another file.
// Not thread-safe: the loop owns it, as it owns all core state.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostStorage : IStorage, IDisposable
    {
        private readonly string _directory;
        private readonly OpenFiles<FileStream> _open = new OpenFiles<FileStream>();

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

        /// <summary>A storage whose file names need not be 8.3 (host-only Maildir); every other rule stays.</summary>
        public static HostStorage ForLongNames(string directory)
        {
            return new HostStorage(directory) { _fatNames = false };
        }

        public int Create(string name)
        {
            string path = PathOf(name);
            if (NameTaken(path)) throw new IOException("Cannot create " + name + ": it already exists.");
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 0);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot create " + name + ": " + e.Message, e);
            }
            _listing.Added(name);
            return _open.Add(name, stream, true);
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
            FileStream stream = OpenStream(name, path, FileAccess.Write);
            try
            {
                stream.Seek(0, SeekOrigin.End);
            }
            catch (IOException e)
            {
                stream.Dispose();
                throw new IOException("Cannot open " + name + " for appending: " + e.Message, e);
            }
            return _open.Add(name, stream, true);
        }

        public int OpenRead(string name)
        {
            string path = PathOf(name);
            RequireFile(name, path);
            return _open.Add(name, OpenStream(name, path, FileAccess.Read), false);
        }

        public void Append(int handle, byte[] buffer, int offset, int count)
        {
            var open = _open.Get(handle, true, "Append");
            try
            {
                open.File.Write(buffer, offset, count);
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
                return RandomAccess.Read(open.File.SafeFileHandle, new Span<byte>(buffer, offset, count), position);
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
                open.File.Flush(true); // fsync
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot sync " + open.Name + ": " + e.Message, e);
            }
        }

        public void Close(int handle)
        {
            var open = _open.Remove(handle);
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
            RequireFile(from, fromPath);
            if (IsOpen(from)) throw new IOException("Cannot rename " + from + ": it is open.");
            if (NameTaken(toPath)) return false;
            try
            {
                File.Move(fromPath, toPath, false);
                _listing.Removed(from);
                _listing.Added(to);
                return true;
            }
            catch (IOException) when (NameTaken(toPath) && File.Exists(fromPath))
            {
                return false; // the target appeared between the check and the move
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new IOException("Cannot rename " + from + " to " + to + ": " + e.Message, e);
            }
        }

        public void Delete(string name)
        {
            string path = PathOf(name);
            RequireFile(name, path);
            if (IsOpen(name)) throw new IOException("Cannot delete " + name + ": it is open.");
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
                return new FileInfo(path).Length; // unbuffered streams: includes bytes of open handles
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

        public void SyncDirectory()
        {
            if (!OperatingSystem.IsLinux()) return;
            int fd = open(_directory, ORdOnly | ODirectoryFlag());
            if (fd < 0) throw LibcError("Cannot open the storage directory " + _directory + " to sync it");
            try
            {
                if (fsync(fd) != 0) throw LibcError("Cannot sync the storage directory " + _directory);
            }
            finally
            {
                close(fd);
            }
        }

        /// <summary>Closes every open handle (their unsynced bytes stay with the OS, as after Close).</summary>
        public void Dispose()
        {
            foreach (var open in _open.All) open.File.Dispose();
            _open.Clear();
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

        private static FileStream OpenStream(string name, string path, FileAccess access)
        {
            try
            {
                return new FileStream(path, FileMode.Open, access, FileShare.ReadWrite, 0);
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

        // libc, for the directory fsync that .NET lacks

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
        private static extern int close(int fd);
    }
}
