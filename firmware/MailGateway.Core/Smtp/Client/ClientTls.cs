// When the client uses STARTTLS (RFC 3207).
namespace MailGateway.Core.Smtp
{
    public static class ClientTls
    {
        /// <summary>Never, even when offered.</summary>
        public const int Off = 0;
        /// <summary>When offered (towards MX hosts, RFC 3207 §4 / RFC 7435); plaintext otherwise.</summary>
        public const int Opportunistic = 1;
        /// <summary>Always: no STARTTLS, a refused STARTTLS or a failed handshake ends the attempt (towards a smarthost).</summary>
        public const int Required = 2;
        public const int Count = 3;

        private static readonly string[] Names = { "off", "opportunistic", "required" };

        public static string Name(int value)
        {
            return value >= 0 && value < Count ? Names[value] : "?";
        }
    }
}
