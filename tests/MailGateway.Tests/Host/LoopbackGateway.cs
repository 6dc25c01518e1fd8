// A real gateway in-process: HostNetwork on 127.0.0.1 with an ephemeral port, HostStorage on a
// fresh temporary folder, the system clock; its loop runs on its own thread (the only thread that
// touches it) until Dispose, which shuts it down and deletes the folder.
using MailGateway.Core.Config;
using MailGateway.Core.Delivery;
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;

using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Host;

public sealed class LoopbackGateway : IDisposable
{
    private readonly HostNetwork _network = new HostNetwork();
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _started = new ManualResetEventSlim();
    private volatile bool _stop;
    private Exception _failure;

    public readonly string SpoolDir = Path.Combine(Path.GetTempPath(), "mailgw-test-" + Guid.NewGuid().ToString("N"));
    public readonly HostStorage Storage;
    public readonly List<string> Log = new List<string>();
    public int Port { get; private set; }
    /// <summary>The address of the first SMTP listener (all listeners of a test gateway share it).</summary>
    public string Address { get; private set; }
    /// <summary>The port of the n-th listener (SMTP first, then implicit-TLS SMTP, POP3, implicit-TLS POP3).</summary>
    public int ListenerPort(int n) => _ports[n];
    public MailboxStore Mailboxes { get; private set; }
    private int[] _ports = new int[0];

    /// <summary>
    /// deliver: run the real delivery (SMTP client, the core's DNS resolver on config.DnsServers); else
    /// mail stays queued. users ("name:password"): the users file for the local domains, with local
    /// mailboxes, AUTH and POP3, and TLS with a self-signed certificate made in the spool folder.
    /// </summary>
    public LoopbackGateway(Action<GatewayConfig> configure = null, bool deliver = false, string[] users = null)
    {
        var config = new GatewayConfig { SpoolDir = SpoolDir, Hostname = "gw.local.test" };
        config.SmtpListen = new[] { new ListenEndpoint("127.0.0.1", 0) };
        configure?.Invoke(config);
        Address = config.SmtpListen[0].Address;
        Storage = new HostStorage(SpoolDir);
        Storage.CommitEnded = _network.Wake; // as HostLoop does
        var random = new HostRandom();
        var log = new ListLog(Log);
        LocalMail local = null;
        if (users != null)
        {
            var directory = new UserDirectory(1000); // few iterations: tests log in often
            var crypto = new HostCrypto();
            foreach (string entry in users) Assert.Null(directory.Add(entry.Split(':')[0], entry.Split(':')[1], crypto));
            directory.Save(Storage);
            var loaded = new MailGateway.Emulator.LocalUsers(Storage, log);
            Assert.Null(loaded.Load());
            Mailboxes = new MailboxStore(new HostStorageFolders(SpoolDir, Storage));
            local = new LocalMail(loaded, Mailboxes, new AliasTable(config.Aliases));
            _network.ServerCertificate = TlsCertificates.LoadOrCreate(null, null, SpoolDir, config.Hostname, out _);
            config.ServerTlsAvailable = true;
        }
        SmtpDeliveries deliveries = deliver
            ? new SmtpDeliveries(config, _network, Storage, SmtpDeliveries.CoreResolver(config, _network, random), random, log)
            : null;
        deliveries?.EnableLocalDelivery(Mailboxes, (IUserMailboxes)local?.Users);
        var gateway = new Gateway(config, _network, Storage, new HostClock(), log, random, deliveries, local);
        _thread = new Thread(() => Loop(gateway)) { IsBackground = true, Name = "gateway loop" };
        _thread.Start();
        Assert.True(_started.Wait(TimeSpan.FromSeconds(30)), "gateway did not start");
        if (_failure != null) throw new InvalidOperationException("gateway failed to start", _failure);
    }

    private void Loop(Gateway gateway)
    {
        try
        {
            gateway.Start();
            Port = _network.LocalPort(gateway.Listener(0));
            _ports = Enumerable.Range(0, gateway.ListenerCount).Select(i => _network.LocalPort(gateway.Listener(i))).ToArray();
        }
        catch (Exception e)
        {
            _failure = e;
            _started.Set();
            return;
        }
        _started.Set();
        while (!_stop)
        {
            long wait = gateway.RunOnce();
            _network.Wait(wait > 0 ? wait : 0); // as HostLoop does: no shorter tick hides a slow path
        }
        gateway.Shutdown();
    }

    public string[] LogLines()
    {
        lock (Log) return Log.ToArray();
    }

    public void Dispose()
    {
        _stop = true;
        _network.Wake();
        _thread.Join(TimeSpan.FromSeconds(30));
        _network.Dispose();
        Storage.Dispose();
        try { Directory.Delete(SpoolDir, true); } catch (IOException) { }
    }
}
