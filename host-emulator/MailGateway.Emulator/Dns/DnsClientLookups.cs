// The host's IDnsLookups over the DnsClient package: the same MxPlanner runs on it as on the core
// resolver. Constructed without servers it uses the system's resolver configuration (DnsClient
// reads /etc/resolv.conf, or the OS's settings elsewhere); with servers (dns.servers, or a
// loopback test server) it asks only those.
//
// How it works: Begin starts DnsClient's QueryAsync; Poll hands over the result once the task has
// finished. The answer is interpreted by the core's DnsResult.FromAnswer, the very code the core
// resolver uses, so both say the same thing about the same response (RFC 1034 §3.6.2 CNAME
// chains, RFC 2308 NXDOMAIN/NODATA). DnsClient does the transport: UDP with EDNS0, retries,
// the next server on SERVFAIL/REFUSED, TCP when an answer is truncated (RFC 7766 §5).
// Failures that DnsClient throws become values: a timeout is Timeout, a socket error
// Unreachable, anything unreadable Malformed. Caching is off: the queue decides when to ask again.
using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using DnsClient;
using DnsClient.Protocol;
using MailGateway.Core.Dns;

namespace MailGateway.Emulator.Dns
{
    public sealed class DnsClientLookups : IDnsLookups
    {
        private readonly LookupClient _client;
        private readonly Dictionary<int, Task<DnsResult>> _running = new Dictionary<int, Task<DnsResult>>();
        private int _nextHandle = 1;

        /// <summary>Asks the servers of the system's resolver configuration.</summary>
        public DnsClientLookups() : this(new DnsServer[0], new DnsSettings())
        {
        }

        /// <summary>Asks the given servers; an empty list means the system's resolver configuration.</summary>
        public DnsClientLookups(DnsServer[] servers, DnsSettings settings)
        {
            LookupClientOptions options;
            if (servers == null || servers.Length == 0)
            {
                options = new LookupClientOptions();
            }
            else
            {
                var nameServers = new NameServer[servers.Length];
                for (int i = 0; i < servers.Length; i++) nameServers[i] = new NameServer(IPAddress.Parse(servers[i].Address), servers[i].Port);
                options = new LookupClientOptions(nameServers);
            }
            int serverCount = Math.Max(1, options.NameServers.Count);
            options.UseCache = false;
            options.Recursion = true;
            options.Timeout = TimeSpan.FromMilliseconds(settings.TryTimeoutMs);
            // DnsClient counts tries per server; our MaxTries counts them over all servers.
            options.Retries = Math.Max(0, (settings.MaxTries + serverCount - 1) / serverCount - 1);
            options.UseTcpFallback = true;
            options.ThrowDnsErrors = false;
            options.ContinueOnDnsError = true;
            options.ContinueOnEmptyResponse = false;
            options.UseRandomNameServer = false;
            options.EnableAuditTrail = false;
            options.ExtendedDnsBufferSize = Math.Max(512, settings.UdpPayloadBytes);
            _client = new LookupClient(options);
        }

        /// <summary>The servers DnsClient asks (the system's, when none were given).</summary>
        public IReadOnlyCollection<NameServer> NameServers => _client.NameServers;

        public int Begin(string name, int type)
        {
            int handle = _nextHandle++;
            _running[handle] = LookupAsync(name, type);
            return handle;
        }

        public DnsResult Poll(int handle)
        {
            if (!_running.TryGetValue(handle, out var task)) throw new InvalidOperationException("no DNS lookup with handle " + handle);
            if (!task.IsCompleted) return null;
            _running.Remove(handle);
            return task.Result;
        }

        public void Cancel(int handle)
        {
            // The query runs to its own timeout in the background; its result is dropped.
            _running.Remove(handle);
        }

        /// <summary>One lookup, start to end; never throws for DNS or network trouble.</summary>
        public async Task<DnsResult> LookupAsync(string name, int type)
        {
            name = DnsName.WithoutTrailingDot(name);
            if (DnsName.WireLength(name) < 0) return DnsResult.Failure(name, type, DnsStatus.Malformed, "not a name that can be looked up");
            try
            {
                IDnsQueryResponse response = await _client.QueryAsync(name, (QueryType)type, QueryClass.IN).ConfigureAwait(false);
                return Interpret(name, type, response);
            }
            catch (DnsResponseException e) when (e.Code == DnsResponseCode.ConnectionTimeout)
            {
                return DnsResult.Failure(name, type, DnsStatus.Timeout, e.Message);
            }
            catch (DnsResponseException e) when (e.InnerException is SocketException)
            {
                return DnsResult.Failure(name, type, DnsStatus.Unreachable, e.InnerException.Message);
            }
            catch (SocketException e)
            {
                return DnsResult.Failure(name, type, DnsStatus.Unreachable, e.Message);
            }
            catch (Exception e) when (e is DnsResponseException || e is DnsResponseParseException || e is IndexOutOfRangeException || e is ArgumentException || e is FormatException)
            {
                return DnsResult.Failure(name, type, DnsStatus.Malformed, e.Message);
            }
        }

        /// <summary>A DnsClient response as the core's DnsResult (the shared interpretation).</summary>
        public static DnsResult Interpret(string name, int type, IDnsQueryResponse response)
        {
            var records = new List<DnsRecord>();
            foreach (DnsResourceRecord record in response.Answers)
            {
                DnsRecord converted = Convert(record);
                if (converted != null) records.Add(converted);
            }
            string from = "from " + response.NameServer + " over DnsClient";
            return DnsResult.FromAnswer(name, type, (int)response.Header.ResponseCode, records.ToArray(), from);
        }

        private static DnsRecord Convert(DnsResourceRecord record)
        {
            if (record.RecordClass != QueryClass.IN) return null;
            string owner = Text(record.DomainName);
            long ttl = record.InitialTimeToLive;
            switch (record)
            {
                case MxRecord mx: return DnsRecord.Mx(owner, ttl, mx.Preference, Text(mx.Exchange));
                case CNameRecord cname: return DnsRecord.Cname(owner, ttl, Text(cname.CanonicalName));
                case ARecord a: return DnsRecord.Addr(owner, ttl, a.Address.ToString());
                case AaaaRecord aaaa: return DnsRecord.Addr(owner, ttl, aaaa.Address.ToString());
                default: return null;
            }
        }

        // DnsClient writes absolute names ("mx.example.org."); the core leaves the dot off.
        private static string Text(DnsString name)
        {
            return DnsName.WithoutTrailingDot(name.Original ?? name.Value);
        }
    }
}
