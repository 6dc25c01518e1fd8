// What the console needs from the platform beyond the gateway itself: the configuration file (read,
// and replaced atomically: a power cut during "save" leaves the old file or the new one, never a
// broken one), and what "reload", "reboot" and "shutdown" mean there (a host reads the file again
// in place, as on SIGHUP; a board restarts).
namespace MailGateway.Core.Console
{
    public interface IConsolePlatform
    {
        /// <summary>The configuration file's name as people know it ("/etc/mailgw/mailgw.conf", "D:\mailgw.conf").</summary>
        string ConfigName { get; }

        /// <summary>The file's text; null when the gateway runs on its embedded defaults (no file). Throws IOException.</summary>
        string ReadConfig();

        /// <summary>Replaces the file's text atomically. Throws IOException.</summary>
        void WriteConfig(string text);

        /// <summary>Reads the saved file again and applies it; returns what happens, for the console to say.</summary>
        string Reload();

        /// <summary>Restarts the gateway (a board: the device); returns what happens.</summary>
        string Restart();

        /// <summary>Stops the gateway cleanly; returns what happens.</summary>
        string Shutdown();

        /// <summary>What the gateway's memory is now, for "status" (null: the platform cannot tell).</summary>
        string Memory();
    }
}
