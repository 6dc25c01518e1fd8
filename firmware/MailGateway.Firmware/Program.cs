// The firmware's entry point: brings the board up and runs the gateway's single-threaded loop.
//   1. console UART (so an operator sees what follows and can fix the configuration);
//   2. the SD card as D:\ (wiring from BoardProfile);
//   3. D:\mailgw.conf: device keys (DeviceSettings) and the core's keys (ConfigParser), over the
//      device's defaults (listen on 0.0.0.0:25 and :110, data folder D:\MAILGW);
//   4. the network (Ethernet or Wi-Fi, DHCP); dns.servers from DHCP when the file names none (the
//      core's own resolver asks them over UDP, as it does for MX lookups on every platform);
//   5. the platform adapters, the users file, TLS material — then the Gateway, as mailgw run builds
//      it on the host — and the loop: console, Gateway.RunOnce, Wait.
// Anything that stops start-up (no card, a bad configuration) is logged and leaves the console
// running so it can be fixed with "set" and "reboot". The clock is set by SNTP in the background.
using MailGateway.Core.Config;
using MailGateway.Core.Delivery;
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware
{
    public static class Program
    {
        /// <summary>The configuration file in the card's root, replaced through mailgw.tmp.</summary>
        public static readonly CardConfigFile ConfigFile = new CardConfigFile(FatStorage.ForWholeFiles("D:"), "mailgw.conf", "mailgw.tmp", "D:\\mailgw.conf");
        public const int NetworkTimeoutMs = 60000;
        /// <summary>Longest the loop sleeps before looking at the console again.</summary>
        public const long ConsolePollMs = 50;
        public const long LoopErrorPauseMs = 100;

        public static void Main()
        {
            DeviceClock clock = new DeviceClock();
            DeviceLog log = new DeviceLog(clock);
            log.Line("MailGateway firmware starting, board " + BoardSelection.Id);
            BoardProfile board = BoardProfile.ById(BoardSelection.Id);
            if (board == null)
            {
                log.Line("error: BoardSelection.Id \"" + BoardSelection.Id + "\" is not a known board");
                System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);
            }
            SerialConsole console = SerialConsole.TryOpen(board, log);
            log.Attach(console);
            ConsoleCommands commands = new ConsoleCommands(console, ConfigFile);

            if (!SdCardMount.Mount(board, log))
            {
                log.Line("error: no SD card: insert a FAT32-formatted card and reboot");
                ServeConsole(commands);
            }
            DeviceSettings device;
            GatewayConfig config;
            string problem = LoadConfiguration(board, out device, out config, log);
            if (problem != null)
            {
                log.Line("error: " + problem + " (fix it here with: set KEY VALUE, then reboot)");
                ServeConsole(commands);
            }
            if (console != null && device.ConsoleBaud != board.ConsoleBaud) console.SetBaud(device.ConsoleBaud);

            NetworkBringUp.Start(device, log, NetworkTimeoutMs);
            if (config.DnsServers.Length == 0)
            {
                string dhcp = NetworkBringUp.DhcpDnsServers();
                if (dhcp != null && ConfigParser.Set(config, "dns.servers", dhcp) == null) log.Line("DNS: servers from DHCP: " + dhcp);
                else log.Line("warning: DNS: no dns.servers and none from DHCP; deliveries by MX will be deferred");
            }

            problem = Run(config, device, clock, log, commands, console);
            log.Line("error: " + problem);
            ServeConsole(commands);
        }

        // Builds the gateway as the host's "mailgw run" does and runs the loop; returns only when start-up fails.
        private static string Run(GatewayConfig config, DeviceSettings device, DeviceClock clock, DeviceLog log, ConsoleCommands commands,
                                  SerialConsole console)
        {
            string dataFolder = CardPath(config.SpoolDir);
            FatStorage storage;
            try
            {
                storage = new FatStorage(dataFolder);
            }
            catch (System.IO.IOException e)
            {
                return "spool.dir " + dataFolder + ": " + e.Message;
            }
            log.Line("data folder " + dataFolder);

            DeviceNetwork network = new DeviceNetwork(clock);
            network.Tls = TlsMaterial.Load(CardPathOrNull(config.TlsCertFile), CardPathOrNull(config.TlsKeyFile), device.TlsCaFile, log);
            config.ServerTlsAvailable = network.Tls.Server != null;

            DeviceRandom random = new DeviceRandom();
            SmtpDeliveries deliveries = new SmtpDeliveries(config, network, storage,
                SmtpDeliveries.CoreResolver(config, network, random), random, log);
            DeviceUsers users = new DeviceUsers(storage);
            string usersProblem = users.Load();
            if (usersProblem != null) return dataFolder + "\\" + usersProblem;
            LocalMail local = null;
            if (config.KeepsMailboxes())
            {
                if (config.MailboxFormat != "files") return "local.mailbox_format = " + config.MailboxFormat + " is for the host only; the device keeps files";
                AliasTable aliases = new AliasTable(config.Aliases);
                if (!aliases.IsAlias("postmaster") && !users.Exists("postmaster"))
                {
                    return "mail to postmaster@ a local domain must reach someone (RFC 5321 §4.5.1): " +
                           "set alias.postmaster = <user or address>, or add a user named postmaster";
                }
                MailboxStore mailboxes = new MailboxStore(new FatFolders(dataFolder));
                local = new LocalMail(users, mailboxes, aliases);
                deliveries.EnableLocalDelivery(mailboxes, users);
            }
            log.Line("users: " + users.Count.ToString());

            Gateway gateway = new Gateway(config, network, storage, clock, log, random, deliveries, local);
            try
            {
                gateway.Start();
            }
            catch (ListenException e)
            {
                System.Net.Sockets.SocketException socket = e.InnerException as System.Net.Sockets.SocketException;
                return e.Message + (socket != null ? " (socket error " + socket.ErrorCode.ToString() + ")" : "");
            }
            catch (System.NotSupportedException e)
            {
                return e.Message;
            }
            catch (System.IO.IOException e)
            {
                return "spool: " + e.Message;
            }

            // The UART becomes the core's console (status, queue, set/save, ...) now that the gateway runs.
            UartConsole uart = console != null ? new UartConsole(console, gateway) : null;
            bool clockKnown = clock.UnixTimeKnown();
            while (true)
            {
                long waitMs;
                try
                {
                    if (uart != null) uart.Feed(clock.MonotonicMs());
                    waitMs = gateway.RunOnce();
                    if (uart != null)
                    {
                        uart.Write();
                        if (uart.RestartRequested && uart.AllWritten) nanoFramework.Runtime.Native.Power.RebootDevice();
                        if (uart.ShutdownRequested && uart.AllWritten)
                        {
                            gateway.Shutdown();
                            log.Line("stopped: the board is safe to power off (reboot to start again)");
                            ServeConsole(commands);
                        }
                    }
                    if (!clockKnown && clock.UnixTimeKnown())
                    {
                        clockKnown = true;
                        log.Line("clock set by SNTP: " + MailGateway.Core.Text.RfcDate.Format(clock.UnixMs()));
                    }
                }
                catch (System.Exception e)
                {
                    // The core contains failures per session and job; this is the last net, so that
                    // even a bug in the loop itself never stops the board. The pause keeps a
                    // repeating fault from spinning.
                    log.Line("warning: internal error in the loop: " + e.GetType().Name + ": " + e.Message);
                    waitMs = LoopErrorPauseMs;
                }
                if (waitMs > ConsolePollMs) waitMs = ConsolePollMs;
                if (waitMs > 0) network.Wait(waitMs);
            }
        }

        // The embedded defaults, the device's own defaults, then the card's file.
        private static string LoadConfiguration(BoardProfile board, out DeviceSettings device, out GatewayConfig config, DeviceLog log)
        {
            config = new GatewayConfig();
            device = null;
            // Device defaults: reachable from the LAN, data on the card.
            ConfigParser.Set(config, "smtp.listen", "0.0.0.0:25");
            ConfigParser.Set(config, "pop3.listen", "0.0.0.0:110");
            ConfigParser.Set(config, "spool.dir", "D:\\MAILGW");
            string text;
            try
            {
                text = ConfigFile.Read();
            }
            catch (System.IO.IOException e)
            {
                return ConfigFile.Path + ": cannot read: " + e.Message;
            }
            if (text == null) log.Line(ConfigFile.Path + " not found: defaults (set keys with the console's set command)");
            if (text == null) text = "";
            string coreText;
            string problem = DeviceSettings.Split(text, ConfigFile.Path, board, out device, out coreText);
            if (problem != null) return problem;
            problem = ConfigParser.Apply(coreText, ConfigFile.Path, config);
            if (problem != null) return problem;
            log.Line("configuration read from " + ConfigFile.Path + ", network " + device.Network);
            return null;
        }

        private static string CardPathOrNull(string path)
        {
            return path == null ? null : CardPath(path);
        }

        // A path from the configuration (spool.dir, tls.cert, tls.key) on the card: a full path
        // (D:\MAILGW) as given, anything else under D:\; '/' becomes '\', no trailing '\'.
        private static string CardPath(string given)
        {
            string path = given.Length >= 3 && given[1] == ':' && given[2] == '\\' ? given : "D:\\" + given;
            char[] chars = path.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] == '/') chars[i] = '\\';
            }
            int length = chars.Length;
            while (length > 3 && chars[length - 1] == '\\') length--;
            return new string(chars, 0, length);
        }

        // Start-up could not finish: keep the console alive for "set" and "reboot".
        private static void ServeConsole(ConsoleCommands commands)
        {
            while (true)
            {
                commands.Poll();
                System.Threading.Thread.Sleep((int)ConsolePollMs);
            }
        }
    }
}
