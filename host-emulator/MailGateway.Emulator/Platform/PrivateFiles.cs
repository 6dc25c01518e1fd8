// What the gateway writes is for its own user only (mail is private): the process's umask becomes
// 077 before anything is created, so spool files, mailboxes, the users file and the TLS key are
// 0600 and their folders 0700; a spool folder that already existed with wider permissions is
// narrowed to 0700 at start (said in the log; left as it is, with a warning, when it cannot be).
using System;
using System.IO;
using System.Runtime.InteropServices;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public static class PrivateFiles
    {
        public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

        /// <summary>umask 077 for this process (before the first file is made).</summary>
        public static void ForThisProcess()
        {
            if (!OperatingSystem.IsWindows()) umask(0x3F);
        }

        /// <summary>The spool folder made private if it is not (0700).</summary>
        public static void Narrow(string folder, ILog log)
        {
            if (OperatingSystem.IsWindows()) return;
            try
            {
                UnixFileMode mode = File.GetUnixFileMode(folder);
                if ((mode & ~FolderMode) == 0) return;
                File.SetUnixFileMode(folder, FolderMode);
                log.Line("spool.dir " + folder + ": permissions narrowed to 0700 (mail is for the gateway's user only)");
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                log.Line("warning: spool.dir " + folder + " is readable by others and cannot be changed: " + e.Message);
            }
        }

        [DllImport("libc")]
        private static extern uint umask(uint mask);
    }
}
