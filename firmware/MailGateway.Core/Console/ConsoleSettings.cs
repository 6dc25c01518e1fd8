// What a console session needs to know from the configuration and the platform.
namespace MailGateway.Core.Console
{
    public sealed class ConsoleSettings
    {
        public string Hostname = "localhost";
        /// <summary>The build's version, as mailgw --version says it.</summary>
        public string Version = "?";
        /// <summary>console.password; null or empty: no login (the listener is then loopback only).</summary>
        public string Password;
    }
}
