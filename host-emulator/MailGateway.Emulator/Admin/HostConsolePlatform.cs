// The console's platform on a host (IConsolePlatform): the configuration file mailgw run was given,
// replaced the way a power cut cannot break it (the new text into a temporary file beside it,
// fsync, rename over the old one, fsync of the folder; the old file's permissions are kept), and
// reload, reboot and shutdown as HostLoop does them for SIGHUP and SIGTERM (a host has no device to
// restart: reboot starts the gateway again in place, as reload does).
using System;
using System.IO;
using System.Text;
using MailGateway.Core.Console;
using MailGateway.Emulator.Platform;

namespace MailGateway.Emulator.Admin
{
    public sealed class HostConsolePlatform : IConsolePlatform
    {
        private readonly string _path;
        private readonly MailGateway.Core.Config.GatewayConfig _config;
        private string _budget;

        /// <summary>path: the configuration file; null when running on the embedded defaults.</summary>
        public HostConsolePlatform(string path, MailGateway.Core.Config.GatewayConfig config = null)
        {
            _path = path == null ? null : Path.GetFullPath(path);
            _config = config;
        }

        /// <summary>The managed heap and the resident memory now; with board.heap, the budget's peak against it (measured once).</summary>
        public string Memory()
        {
            string now = Core.Text.Sizes.Bytes(GC.GetTotalMemory(false)) + " managed, " +
                         Core.Text.Sizes.Bytes(Environment.WorkingSet) + " resident";
            if (_config == null || _config.BoardHeapBytes <= 0) return now;
            if (_budget == null)
            {
                try
                {
                    var budget = Budget.MemoryBudget.For(_config);
                    _budget = "; the budget's peak " + Core.Text.Sizes.Bytes(budget.Peak) + " of board.heap " + Core.Text.Sizes.Bytes(_config.BoardHeapBytes);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    _budget = "; the budget cannot be measured (" + e.GetType().Name + ")";
                }
            }
            return now + _budget;
        }

        public string ConfigName => _path ?? "(embedded defaults)";

        public string ReadConfig()
        {
            if (_path == null) return null;
            try
            {
                return File.ReadAllText(_path);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException(e.Message, e);
            }
        }

        public void WriteConfig(string text)
        {
            if (_path == null) throw new IOException("running on the embedded defaults: there is no file");
            string folder = Path.GetDirectoryName(_path)!;
            string temporary = Path.Combine(folder, "." + Path.GetFileName(_path) + ".new");
            try
            {
                using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    byte[] bytes = new UTF8Encoding(false).GetBytes(text);
                    file.Write(bytes, 0, bytes.Length);
                    file.Flush(true);
                }
                if (!OperatingSystem.IsWindows() && File.Exists(_path)) File.SetUnixFileMode(temporary, File.GetUnixFileMode(_path));
                File.Move(temporary, _path, true);
                HostStorage.SyncFolder(folder);
            }
            catch (UnauthorizedAccessException e)
            {
                TryDelete(temporary);
                throw new IOException("cannot write " + _path + ": " + e.Message + " (the gateway's user needs write access to its folder)", e);
            }
            catch (IOException)
            {
                TryDelete(temporary);
                throw;
            }
        }

        public string Reload()
        {
            if (_path == null) return "error: running on the embedded defaults: there is no file to read again";
            HostLoop.RequestReload();
            return "ok: reading " + _path + " again; this session ends when the gateway restarts with it";
        }

        public string Restart()
        {
            HostLoop.RequestReload();
            return "ok: the gateway starts again in place; this session ends";
        }

        public string Shutdown()
        {
            HostLoop.RequestStop();
            return "ok: the gateway is stopping";
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
            }
        }
    }
}
