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
                HostDefaults(config);
                return config;
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

        /// <summary>limits.io_buffer on a host (no board.heap: a PC or server): 16K, where a board's is 1K.</summary>
        public const int HostIoBufferBytes = 16 * 1024;

        // What the file left unset and a host can afford: I/O in 16 KiB steps instead of a board's
        // 1 KiB (a tenth of the system calls for a big message; about 50 KiB more per SMTP session).
        private static void HostDefaults(GatewayConfig config)
        {
            if (config.IoBufferBytes == 0 && config.BoardHeapBytes == 0) config.IoBufferBytes = HostIoBufferBytes;
        }
    }
}