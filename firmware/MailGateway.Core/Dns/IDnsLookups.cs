// What the MX planner needs from a resolver: start a lookup, later collect its result. Two
// implementations: the core's DnsResolver (DnsLookup over the platform's UDP/TCP, the only one on
// the ESP32) and the host's DnsClientLookups (the DnsClient package with the system's resolver
// configuration). Non-generic and poll-based so that both fit the one-thread loop.
namespace MailGateway.Core.Dns
{
    public interface IDnsLookups
    {
        /// <summary>Starts a lookup of name (absolute, trailing dot optional) for type; returns its handle.</summary>
        int Begin(string name, int type);

        /// <summary>
        /// The result once the lookup has ended, null while it runs. A result is handed out once:
        /// after that the handle is released and must not be polled again.
        /// </summary>
        DnsResult Poll(int handle);

        /// <summary>Stops a lookup whose result is no longer wanted and releases its handle.</summary>
        void Cancel(int handle);
    }
}
