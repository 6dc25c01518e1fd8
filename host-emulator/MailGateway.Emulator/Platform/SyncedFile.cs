// Whole files written for good on a host (the TLS certificate and key the gateway makes, the
// configuration file the console saves): Write creates the file (a leftover one is dropped first,
// so a mode applies from the first byte), writes it and fsyncs it before it returns; Replace does
// that under a temporary name beside the file, renames it over the file (POSIX rename(2): readers
// see the old file or the new one, never a mix) and fsyncs the folder, so the new name survives a
// power cut too. A mode given is the file's exactly (set again after creation, which the umask
// narrows); without one the system's default applies.
using System;
using System.IO;

namespace MailGateway.Emulator.Platform
{
    public static class SyncedFile
    {
        /// <summary>Creates path with bytes, durably (see the header). Throws IOException or UnauthorizedAccessException.</summary>
        public static void Write(string path, byte[] bytes, UnixFileMode? mode)
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (mode.HasValue && !OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode.Value;
                File.Delete(path); // UnixCreateMode applies only when the file is created
            }
            using var stream = new FileStream(path, options);
            if (mode.HasValue && !OperatingSystem.IsWindows()) File.SetUnixFileMode(stream.SafeFileHandle, mode.Value);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(flushToDisk: true);
        }

        /// <summary>Replaces path with bytes through temporaryPath, atomically and durably (see the header); the temporary file is gone after a failure. Throws IOException or UnauthorizedAccessException.</summary>
        public static void Replace(string path, string temporaryPath, byte[] bytes, UnixFileMode? mode)
        {
            try
            {
                Write(temporaryPath, bytes, mode);
                File.Move(temporaryPath, path, overwrite: true);
                HostStorage.SyncFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                try
                {
                    File.Delete(temporaryPath);
                }
                catch (Exception again) when (again is IOException || again is UnauthorizedAccessException)
                {
                }
                throw;
            }
        }
    }
}
