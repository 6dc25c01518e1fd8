// Loads the configuration for the host: the embedded defaults, overridden by a file when given.
// Parsing and validation are the core's (ConfigParser), so the device reads files the same way.
using System.IO;
using MailGateway.Core.Config;

namespace MailGateway.Emulator
{
    public static class ConfigFile
    {
        /// <summary>The configuration, or null with error naming the file and line.</summary>
        public static GatewayConfig Load(string path, out string error)
        {
            GatewayConfig config = new GatewayConfig();
            error = null;
            if (path == null)
            {
                // The embedded defaults of a newcomer's first `mailgw run`: the console on loopback,
                // so that `mailgw console` and `mailgw queue` work at once.
                config.ConsoleListen = new[] { new ListenEndpoint("127.0.0.1", DefaultConsolePort) };
                HostDefaults(config);
                return config;
            }
            if (Directory.Exists(path))
            {
                error = path + ": is a folder, not a configuration file";
                return null;
            }
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (IOException e)
            {
                error = path + ": cannot read: " + e.Message;
                return null;
            }
            catch (System.UnauthorizedAccessException e)
            {
                error = path + ": cannot read: " + e.Message;
                return null;
            }
            error = ConfigParser.Apply(text, path, config);
            if (error != null) return null;
            HostDefaults(config);
            return config;
        }

        /// <summary>The console's port on loopback when mailgw runs on its embedded defaults.</summary>
        public const int DefaultConsolePort = 2323;

        /// <summary>limits.io_buffer on a host (no board.heap: a PC or server): 16K, where a board's is 1K.</summary>
        public const int HostIoBufferBytes = 16 * 1024;

        // What the file left unset and a host can afford: I/O in 16 KiB steps instead of a board's
        // 1 KiB (a tenth of the system calls for a big message; about 50 KiB more per SMTP session),
        // and 64 KiB of recent log lines for the console instead of 1 KiB.
        private static void HostDefaults(GatewayConfig config)
        {
            if (config.IoBufferBytes == 0 && config.BoardHeapBytes == 0) config.IoBufferBytes = HostIoBufferBytes;
            if (config.ConsoleLogBytes == 0 && config.BoardHeapBytes == 0) config.ConsoleLogBytes = HostConsoleLogBytes;
        }

        /// <summary>console.log_bytes on a host: some hundreds of recent lines, where a board keeps 1K.</summary>
        public const int HostConsoleLogBytes = 64 * 1024;
    }
}