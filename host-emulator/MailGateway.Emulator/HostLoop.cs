// The host's single-threaded loop: real sockets (HostNetwork), real files with fsync (HostStorage),
// the system clock. Runs Gateway.RunOnce, then waits in Socket.Select for at most the time it asks
// (a pass that asks for no wait still polls, which tells the network which sockets to read);
// SIGTERM or SIGINT (Ctrl-C) wakes that wait and ends the loop with a clean shutdown. SIGHUP
// (systemctl reload) reads the configuration file again: a file that fails any check start-up
// makes is logged and the running configuration stays; a good one replaces the gateway in place
// (clients in a session get 421 and come back; accepted mail is on disk and is picked up again).
using System;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using MailGateway.Core.Config;
using MailGateway.Core.Delivery;
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;

namespace MailGateway.Emulator
{
    public static class HostLoop
    {
        private const int LoopErrorPauseMs = 100;

        /// <summary>configPath: the file SIGHUP reads again (null: the embedded defaults, nothing to reload).</summary>
        public static int Run(GatewayConfig config, string configPath = null)
        {
            HostLog log = HostLog.Buffered();
            PrivateFiles.ForThisProcess();
            // Handlers first: a SIGTERM that arrives while the spool is being recovered or right after
            // "listening" is logged must still mean a clean stop.
            _stopRequested = false;
            _reloadRequested = false;
            // A gateway started under nohup inherits SIGHUP ignored, and .NET would keep it so;
            // here SIGHUP means "read the configuration again", so it is taken back first.
            if (OperatingSystem.IsLinux()) signal(SigHup, IntPtr.Zero);
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Reload);
            while (true)
            {
                int result = Serve(config, configPath, log, out GatewayConfig next);
                if (next == null) return result;
                config = next;
            }
        }

        // One gateway from start to stop; next: the configuration to serve next after a reload.
        private static int Serve(GatewayConfig config, string configPath, HostLog log, out GatewayConfig next)
        {
            next = null;
            HostClock clock = new HostClock();
            using HostNetwork network = new HostNetwork();
            HostStorage storage;
            try
            {
                storage = new HostStorage(Path.GetFullPath(config.SpoolDir));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                Console.Error.WriteLine("mailgw: spool.dir " + config.SpoolDir + ": " + e.Message);
                return 1;
            }
            using HostStorage ownStorage = storage; // every return below closes it, and drops its lock
            try
            {
                if (!storage.TryLock())
                {
                    Console.Error.WriteLine("mailgw: spool.dir " + storage.DirectoryPath + " is in use by another mailgw run: " +
                                            "stop that gateway first (or give this one a spool.dir of its own)");
                    return 1;
                }
            }
            catch (IOException e)
            {
                Console.Error.WriteLine("mailgw: spool.dir " + config.SpoolDir + ": " + e.Message);
                return 1;
            }
            PrivateFiles.Narrow(storage.DirectoryPath, log);
            storage.CommitEnded = network.Wake; // a batch committed beside the loop wakes it (IBackgroundCommit)
            // The server certificate for STARTTLS and implicit TLS: tls.cert/tls.key, or a
            // self-signed one made at first start and kept in the data folder.
            try
            {
                network.ServerCertificate = TlsCertificates.LoadOrCreate(config.TlsCertFile, config.TlsKeyFile, storage.DirectoryPath,
                                                                         config.Hostname, out string note);
                config.ServerTlsAvailable = true;
                log.Line("TLS: " + note);
            }
            catch (Exception e) when (e is TlsCertificateException || e is ArgumentException || e is IOException ||
                                      e is System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine("mailgw: TLS certificate: " + e.Message);
                return 1;
            }
            System.Threading.Volatile.Write(ref _wakeOnStop, network);
            HostRandom random = new HostRandom();
            // dns.servers empty: the system's resolver configuration (through DnsClient); else the
            // core's own resolver, exactly as the device runs it.
            MailGateway.Core.Dns.IDnsLookups lookups = config.DnsServers.Length > 0
                ? (MailGateway.Core.Dns.IDnsLookups)SmtpDeliveries.CoreResolver(config, network, random)
                : new MailGateway.Emulator.Dns.DnsClientLookups();
            SmtpDeliveries deliveries = new SmtpDeliveries(config, network, storage, lookups, random, log);
            LocalUsers users = new LocalUsers(storage, log);
            string usersProblem = users.Load();
            if (usersProblem != null)
            {
                Console.Error.WriteLine("mailgw: " + Path.Combine(storage.DirectoryPath, usersProblem));
                return 1;
            }
            LocalMail local = null;
            if (config.KeepsMailboxes())
            {
                // Mail for local domains without a route goes into mailbox folders beside the spool
                // (ConfigChecks made sure postmaster@ reaches someone).
                AliasTable aliases = new AliasTable(config.Aliases);
                IStorageFolders folders = config.MailboxFormat == "maildir"
                    ? new MaildirFolders(storage.DirectoryPath, config.Hostname)
                    : new HostStorageFolders(storage.DirectoryPath, storage);
                MailboxStore mailboxes = new MailboxStore(folders);
                local = new LocalMail(users, mailboxes, aliases);
                deliveries.EnableLocalDelivery(mailboxes, users);
            }
            Gateway gateway = new Gateway(config, network, storage, clock, log, random, deliveries, local);
            gateway.Version = Program.Version;
            gateway.ConsolePlatform = new Admin.HostConsolePlatform(configPath, config);
            try
            {
                gateway.Start();
            }
            catch (ListenException e)
            {
                Console.Error.WriteLine("mailgw: " + e.Message + ListenHint(e));
                return 1;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine("mailgw: spool: " + e.Message);
                return 1;
            }

            System.Collections.Generic.List<Admin.LocalConsole> consoles = LocalConsoles(config, gateway, network, log);
            while (!System.Threading.Volatile.Read(ref _stopRequested))
            {
                if (System.Threading.Volatile.Read(ref _reloadRequested))
                {
                    System.Threading.Volatile.Write(ref _reloadRequested, false);
                    next = Reread(configPath, log);
                    if (next != null) break;
                }
                long waitMs;
                try
                {
                    users.ReloadIfChanged();
                    foreach (Admin.LocalConsole console in consoles) console.Feed(clock.MonotonicMs());
                    waitMs = gateway.RunOnce();
                    foreach (Admin.LocalConsole console in consoles) console.Write();
                    consoles.RemoveAll(c =>
                    {
                        if (c.Ended) c.Dispose();
                        return c.Ended;
                    });
                }
                catch (Exception e)
                {
                    // The core contains failures per session and job; this is the last net, so
                    // that even a bug in the loop itself never ends the daemon. A short pause
                    // keeps a repeating fault from spinning.
                    log.Line("warning: internal error in the loop: " + e.GetType().Name + ": " + e.Message);
                    waitMs = LoopErrorPauseMs;
                }
                // Wait(0) is a poll: the network learns which sockets are readable, and reads no
                // other (HostNetwork), so a busy loop still makes one readiness call per pass.
                log.Flush();
                network.Wait(waitMs > 0 ? waitMs : 0);
            }
            foreach (Admin.LocalConsole console in consoles) console.Dispose();
            try
            {
                gateway.Shutdown();
            }
            catch (Exception e)
            {
                log.Line("warning: internal error while stopping: " + e.GetType().Name + ": " + e.Message);
            }
            // For the benchmark (tests/bench) and anyone watching memory: what the run cost the GC.
            log.Line("managed heap: " + GC.GetTotalAllocatedBytes(true) + " bytes allocated since start, " +
                     GC.CollectionCount(0) + " collections, " + GC.GetTotalMemory(true) + " bytes live at stop");
            log.Flush();
            return 0;
        }

        // The consoles on lines this process owns: its terminal, when it was started in the
        // foreground of one (reading a terminal from the background would stop the process), and
        // console.serial. A serial port that cannot be opened is logged and the gateway runs on.
        private static System.Collections.Generic.List<Admin.LocalConsole> LocalConsoles(GatewayConfig config, Gateway gateway, HostNetwork network, HostLog log)
        {
            var consoles = new System.Collections.Generic.List<Admin.LocalConsole>();
            if (!Console.IsInputRedirected && !Console.IsOutputRedirected && OperatingSystem.IsLinux() && tcgetpgrp(0) == getpgrp())
            {
                consoles.Add(new Admin.LocalConsole(gateway, "terminal", false, Console.OpenStandardInput(), Console.OpenStandardOutput(), null, network.Wake, log));
            }
            if (config.ConsoleSerial != null && ConfigParser.SerialPort(config.ConsoleSerial, out string device, out int baud))
            {
                var port = new System.IO.Ports.SerialPort(device, baud);
                try
                {
                    port.Open();
                    consoles.Add(new Admin.LocalConsole(gateway, "serial " + device, true, port.BaseStream, port.BaseStream, port, network.Wake, log));
                }
                catch (Exception e)
                {
                    // Whatever the reason (no such port, no permission, System.IO.Ports' native
                    // library not installed beside a NativeAOT binary): said, and the gateway serves on.
                    port.Dispose();
                    string reason = e is DllNotFoundException ? "libSystem.IO.Ports.Native.so is not installed (install.sh puts it in /usr/local/lib)"
                                                              : e.Message.Split('\n')[0];
                    log.Line("warning: console.serial " + device + " cannot be opened (" + reason + "); the gateway runs without it");
                }
            }
            return consoles;
        }

        private const int SigHup = 1;

        [DllImport("libc")]
        private static extern IntPtr signal(int signal, IntPtr handler); // IntPtr.Zero: SIG_DFL

        [DllImport("libc")]
        private static extern int tcgetpgrp(int fd);

        [DllImport("libc")]
        private static extern int getpgrp();

        // The configuration file read and checked again as start-up checks it; null (and logged why)
        // when it cannot be used, so the running one stays.
        private static GatewayConfig Reread(string configPath, HostLog log)
        {
            if (configPath == null)
            {
                log.Line("reload: running on the embedded defaults; there is no file to read again");
                return null;
            }
            GatewayConfig fresh = ConfigFile.Load(configPath, out string error);
            var problems = new System.Collections.Generic.List<string>();
            if (fresh == null) problems.Add(error);
            else problems.AddRange(Program.Problems(fresh, configPath, out _));
            if (problems.Count > 0)
            {
                foreach (string problem in problems) log.Line("warning: reload: " + problem + "; the running configuration stays");
                return null;
            }
            log.Line("reload: " + configPath + " read; restarting the gateway with it");
            return fresh;
        }

        // What to change when a listener cannot be opened, for the usual reasons.
        private static string ListenHint(ListenException e)
        {
            if (e.InnerException is not SocketException socket) return "";
            switch (socket.SocketErrorCode)
            {
                case SocketError.AccessDenied when e.Port < 1024:
                    return "\n  ports below 1024 need root or the CAP_NET_BIND_SERVICE capability: the systemd unit in " +
                           "boards/raspberry-pi gives it (AmbientCapabilities=CAP_NET_BIND_SERVICE); or choose a port above 1023";
                case SocketError.AddressAlreadyInUse:
                    return "\n  another program listens there already (see: ss -ltnp 'sport = :" + e.Port + "'), or a gateway is running";
                case SocketError.AddressNotAvailable:
                    return "\n  this machine has no such address; use one of its own, 127.0.0.1, or 0.0.0.0 for all";
                default:
                    return "";
            }
        }

        private static bool _stopRequested;
        private static bool _reloadRequested;
        private static HostNetwork _wakeOnStop;

        private static void Reload(PosixSignalContext context)
        {
            context.Cancel = true;
            RequestReload();
        }

        private static void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            RequestStop();
        }

        /// <summary>As SIGHUP: the configuration file is read again at the end of this pass (the console's reload).</summary>
        public static void RequestReload()
        {
            System.Threading.Volatile.Write(ref _reloadRequested, true);
            System.Threading.Volatile.Read(ref _wakeOnStop)?.Wake();
        }

        /// <summary>As SIGTERM: a clean stop (the console's shutdown).</summary>
        public static void RequestStop()
        {
            System.Threading.Volatile.Write(ref _stopRequested, true);
            System.Threading.Volatile.Read(ref _wakeOnStop)?.Wake(); // do not sleep out the current Wait
        }
    }
}
