// One place to deliver to: the MX host name (the domain itself for an implicit MX), one of its
// addresses as text, and the MX preference it came with (0 for an implicit MX).
namespace MailGateway.Core.Dns
{
    public sealed class MxTarget
    {
        public readonly string Host;
        public readonly string Address;
        public readonly int Preference;

        public MxTarget(string host, string address, int preference)
        {
            Host = host;
            Address = address;
            Preference = preference;
        }

        public bool IsIPv6 { get { return Address.IndexOf(':') >= 0; } }

        /// <summary>"mx1.example.org[192.0.2.1]", Postfix's way of naming a peer.</summary>
        public override string ToString()
        {
            return Host + "[" + Address + "]";
        }
    }
}
