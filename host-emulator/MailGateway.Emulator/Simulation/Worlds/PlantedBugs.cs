// Bugs planted on purpose, to show that the checker catches what it claims to (`--plant NAME`).
// Each is a platform-level wrapper around a real part, so the core is the same code as always:
//   sync-lies             the spool's Sync and SyncDirectory return without making anything
//                         durable: a 250 then goes out before the message is on the card, and a
//                         power cut loses it ("lost").
//   dns-timeout-nxdomain  the DNS lookups report NXDOMAIN where the lookup timed out or the
//                         server failed: a passing DNS outage turns into bounces
//                         ("unjustified-bounce").
//   lose-rcp-record       appends to recipient logs (.RCP) are dropped: delivery progress never
//                         reaches the card, so after a power cut delivered recipients are tried
//                         again ("duplicate") and bounced ones bounced again ("bounced-twice").
using System;
using MailGateway.Core.Dns;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public static class PlantedBugs
    {
        public static readonly string[] Names = { "sync-lies", "dns-timeout-nxdomain", "lose-rcp-record" };

        public static bool IsKnown(string name) => Array.IndexOf(Names, name) >= 0;

        /// <summary>Plants the bug on every gateway (no-op for null).</summary>
        public static void Plant(string name, params GatewayNode[] gateways)
        {
            if (name == null) return;
            foreach (GatewayNode g in gateways)
            {
                switch (name)
                {
                    case "sync-lies": g.WrapSpool = s => new SyncLies(s); break;
                    case "dns-timeout-nxdomain": g.WrapLookups = l => new TimeoutAsNxDomain(l); break;
                    case "lose-rcp-record": g.WrapSpool = s => new LoseRecipientLog(s); break;
                    default: throw new ArgumentException("no planted bug named " + name);
                }
            }
        }

        /// <summary>Forwards every call of IStorage; the planted bugs override what they break.</summary>
        public class StorageWrapper : IStorage
        {
            protected readonly IStorage Inner;

            public StorageWrapper(IStorage inner)
            {
                Inner = inner;
            }

            public virtual int Create(string name) => Inner.Create(name);
            public virtual int OpenAppend(string name) => Inner.OpenAppend(name);
            public virtual int OpenRead(string name) => Inner.OpenRead(name);
            public virtual void Append(int handle, byte[] buffer, int offset, int count) => Inner.Append(handle, buffer, offset, count);
            public virtual int Read(int handle, long position, byte[] buffer, int offset, int count) => Inner.Read(handle, position, buffer, offset, count);
            public virtual void Sync(int handle) => Inner.Sync(handle);
            public virtual void Close(int handle) => Inner.Close(handle);
            public virtual bool Rename(string from, string to) => Inner.Rename(from, to);
            public virtual void Delete(string name) => Inner.Delete(name);
            public virtual bool Exists(string name) => Inner.Exists(name);
            public virtual long Length(string name) => Inner.Length(name);
            public virtual string[] List() => Inner.List();
            public virtual string[] ListAfter(string after, int max) => Inner.ListAfter(after, max);
            public virtual void SyncDirectory() => Inner.SyncDirectory();
        }

        private sealed class SyncLies : StorageWrapper
        {
            public SyncLies(IStorage inner) : base(inner)
            {
            }

            public override void Sync(int handle)
            {
            }

            public override void SyncDirectory()
            {
            }
        }

        private sealed class LoseRecipientLog : StorageWrapper
        {
            private readonly System.Collections.Generic.HashSet<int> _logs = new System.Collections.Generic.HashSet<int>();

            public LoseRecipientLog(IStorage inner) : base(inner)
            {
            }

            public override int Create(string name) => Track(name, Inner.Create(name));
            public override int OpenAppend(string name) => Track(name, Inner.OpenAppend(name));

            public override void Append(int handle, byte[] buffer, int offset, int count)
            {
                if (_logs.Contains(handle)) return;
                Inner.Append(handle, buffer, offset, count);
            }

            public override void Close(int handle)
            {
                Inner.Close(handle);
                _logs.Remove(handle);
            }

            private int Track(string name, int handle)
            {
                if (name.EndsWith(".RCP", StringComparison.OrdinalIgnoreCase)) _logs.Add(handle);
                return handle;
            }
        }

        private sealed class TimeoutAsNxDomain : IDnsLookups
        {
            private readonly IDnsLookups _inner;

            public TimeoutAsNxDomain(IDnsLookups inner)
            {
                _inner = inner;
            }

            public int Begin(string name, int type) => _inner.Begin(name, type);
            public void Cancel(int handle) => _inner.Cancel(handle);

            public DnsResult Poll(int handle)
            {
                DnsResult result = _inner.Poll(handle);
                if (result == null || !result.IsTemporaryFailure) return result;
                return DnsResult.FromAnswer(result.Name, result.Type, DnsMessage.RcodeNxDomain, new DnsRecord[0], "planted: " + result.Detail);
            }
        }
    }
}
