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
            if (path == null) return config;
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
            return error == null ? config : null;
        }
    }
}
