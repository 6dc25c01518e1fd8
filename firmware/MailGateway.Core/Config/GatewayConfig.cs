// Every setting of the gateway with its embedded default: what `mailgw run` uses with no file,
// and what each key of a configuration file overrides (see ConfigParser and the README's table).
using MailGateway.Core.Relay;
using MailGateway.Core.Smtp;

namespace MailGateway.Core.Config
{
    public sealed class GatewayConfig
    {
        public string Hostname = "mailgw.local";
        /// <summary>Listen endpoints; each entry is an address literal and a port.</summary>
        public ListenEndpoint[] SmtpListen = { new ListenEndpoint("127.0.0.1", 2525) };
        public string[] RelayAllowText = { "127.0.0.0/8", "::1" };
        public CidrRange[] RelayAllow = { CidrRange.Parse("127.0.0.0/8"), CidrRange.Parse("::1") };
        public string[] RelayDomains = new string[0];
        public string[] LocalDomains = new string[0];
        public long MessageSizeBytes = 10 * 1024 * 1024;
        public int MaxRecipients = 100;
        public int MaxSessions = 20;
        public long IdleTimeoutMs = 300 * 1000;
        public int MaxErrors = 10;
        public int MaxCommandLine = 1000;
        public string SpoolDir = "mailgw-data";
        public long SpoolMaxBytes = 1024L * 1024 * 1024;

        public ServerSettings ToServerSettings()
        {
            ServerSettings s = new ServerSettings();
            s.Hostname = Hostname;
            s.MaxCommandLine = MaxCommandLine;
            s.MaxMessageBytes = MessageSizeBytes;
            s.MaxRecipients = MaxRecipients;
            s.MaxErrors = MaxErrors;
            s.IdleTimeoutMs = IdleTimeoutMs;
            return s;
        }

        public RelayPolicy ToRelayPolicy()
        {
            return new RelayPolicy(LocalDomains, RelayDomains, RelayAllow);
        }
    }

    public sealed class ListenEndpoint
    {
        public readonly string Address;
        public readonly int Port;

        public ListenEndpoint(string address, int port)
        {
            Address = address;
            Port = port;
        }

        public override string ToString()
        {
            return Address.IndexOf(':') >= 0 ? "[" + Address + "]:" + Port.ToString() : Address + ":" + Port.ToString();
        }
    }
}
