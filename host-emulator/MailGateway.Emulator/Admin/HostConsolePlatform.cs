// The console's platform on a host (IConsolePlatform): the configuration file mailgw run was given,
// replaced the way a power cut cannot break it (Platform/SyncedFile.Replace: a temporary file beside
// it, fsync, rename over the old one, fsync of the folder; the old file's permissions are kept), and
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
            string temporary = Path.Combine(Path.GetDirectoryName(_path)!, "." + Path.GetFileName(_path) + ".new");
            UnixFileMode? mode = !OperatingSystem.IsWindows() && File.Exists(_path) ? File.GetUnixFileMode(_path) : null;
            try
            {
                SyncedFile.Replace(_path, temporary, new UTF8Encoding(false).GetBytes(text), mode);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new IOException("cannot write " + _path + ": " + e.Message + " (the gateway's user needs write access to its folder)", e);
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
    }
}
