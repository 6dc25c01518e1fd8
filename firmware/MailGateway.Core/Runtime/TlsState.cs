// INetwork.TlsStatus values, named.
namespace MailGateway.Core.Runtime
{
    public static class TlsState
    {
        public const int Failed = -1;
        public const int Handshaking = 0;
        public const int Up = 1;
        /// <summary>TLS was never started on the connection.</summary>
        public const int Plain = 2;
    }
}
