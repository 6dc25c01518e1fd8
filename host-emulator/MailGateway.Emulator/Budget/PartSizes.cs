// Measures, for one configuration, what each part of the gateway holds in memory: the real core
// objects are built on simulated platform parts with that configuration's settings, brought to the
// state where they hold the most (a receiving session at the start of DATA with its spool file
// open; a delivery job with its SMTP client, its spool reader and its DNS planner; a queued message
// as the spool loads it), and weighed with ObjectSize. Objects shared between parts (configuration,
// settings, relay policy, the loop's scratch buffer, platform objects) are left to the part that
// owns them. Nothing here is a typed-in constant: change a buffer in the core and the figure moves.
//
// Each figure comes in two layouts (ObjectSize): .NET's, as measured here, and nanoFramework's,
// computed from the same objects by its heap's rules; the budget counts the larger of the two.
using System;
using MailGateway.Core.Config;
using MailGateway.Core.Console;
using MailGateway.Core.Delivery;
using MailGateway.Core.Dns;
using MailGateway.Core.Local;
using MailGateway.Core.Relay;
using MailGateway.Core.Runtime;
using MailGateway.Core.Smtp;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Platform;
using MailGateway.Emulator.Simulation;
using SpoolStore = MailGateway.Core.Spool.Spool;

namespace MailGateway.Emulator.Budget
{
    public sealed class PartSizes
    {
        /// <summary>The address length the per-recipient figures are measured with (a typical address; RFC 5321 allows 254).</summary>
        public const int RecipientLength = 40;

        public Weight SmtpSession;
        public Weight SmtpRecipient;
        public Weight Pop3Session;
        public Weight ConsoleSession;
        public Weight ConsoleShell;
        public Weight PasswordCheck;
        public Weight UserChange;
        public Weight MaildropMessage;
        public Weight DeliveryJob;
        public Weight ParkedConnection;
        public Weight DnsResolver;
        public Weight DnsLookup;
        public Weight DnsTcpAnswer;
        public Weight QueueIndexEntry;
        public Weight QueueScanPage;
        public Weight Configuration;
        public Weight Loop;
        public Weight SpoolReader;
        public Weight RememberedClient;

        /// <summary>Measures every part for this configuration.</summary>
        public static PartSizes Measure(GatewayConfig config)
        {
            var sizes = new PartSizes();
            var world = new World(config);
            sizes.Configuration = new ObjectSize().Weigh(config);
            sizes.Loop = new ObjectSize().Share(config).Share(world.Resolver).Share(typeof(LoginThrottle)).Share(typeof(AddressMemory))
                .Weigh(world.Gateway, world.Deliveries);
            sizes.SmtpSession = MeasureSmtpSession(world, out sizes.SmtpRecipient);
            sizes.Pop3Session = world.Part().Weigh(new Connection(1, new Pop3Session(world.Pop3Settings, "192.0.2.10", false, 0)));
            sizes.ConsoleSession = ConsoleSessionBytes();
            sizes.ConsoleShell = new ObjectSize().Share(config).Share(world.Gateway).Weigh(new ConsoleShell(world.Gateway));
            sizes.PasswordCheck = PasswordCheckBytes(out sizes.UserChange);
            sizes.MaildropMessage = MaildropMessageBytes(config);
            sizes.QueueIndexEntry = QueueIndexEntryBytes(config);
            sizes.QueueScanPage = QueueScanPageBytes(config);
            sizes.SpoolReader = world.Part().Weigh(new RecordReader(world.Storage, 0, world.Spool.Scratch));
            sizes.DnsResolver = new ObjectSize().Share(typeof(DnsSettings)).Share(config).Share(world.Resolver.Scratch).Weigh(world.Resolver);
            sizes.DnsLookup = world.Part().Share(typeof(DnsSettings)).Share(typeof(DnsServerHealth))
                .Weigh(new DnsLookup("mx1.recipient-domain.example", DnsType.MX, Servers(config), world.Random, new DnsSettings()));
            sizes.DnsTcpAnswer = DnsTcpAnswerBytes(config, world);
            sizes.DeliveryJob = MeasureDelivery(world, out sizes.ParkedConnection);
            sizes.RememberedClient = RememberedClientBytes(config);
            return sizes;
        }

        /// <summary>
        /// A console session in the middle of a queue listing (Console/QueueListing): its output
        /// buffer, made whole at the start and never grown (ConsoleSession.OutputBytes), and the
        /// listing's page of names from the card and its cursor. The message being listed is a queue entry of its own.
        /// </summary>
        public static Weight ConsoleSessionBytes()
        {
            var card = new SimulatedStorage();
            for (int i = 0; i < QueueListing.PageNames; i++) card.Close(card.Create(SpoolNames.MakeQueueId(i + 1) + SpoolNames.Message));
            var spool = new SpoolStore(card, new SpoolSpace(1L << 30), new SilentLog());
            var session = new ConsoleSession(new ConsoleSettings(), "192.0.2.10", 0);
            session.Producer = new QueueListing(spool, 0, true, null);
            Weight working = new ObjectSize().Share(spool).Share(typeof(ConsoleSettings)).Weigh(new Connection(1, session));
            // Mid-walk the listing also keeps its cursor: the last name of the page before.
            string cursor = SpoolNames.MakeQueueId(QueueListing.PageNames + 1) + SpoolNames.Message;
            return working + new ObjectSize().Weigh((object)card.ListAfter(null, QueueListing.PageNames)) + new ObjectSize().Weigh(cursor);
        }

        /// <summary>The longest password the budget weighs a login or a user change at (bytes of UTF-8).</summary>
        public const int MeasuredPasswordBytes = 64;

        private sealed class BudgetHmac : IHmacSha256
        {
            public byte[] Mac(byte[] key, byte[] message) => System.Security.Cryptography.HMACSHA256.HashData(key, message);
        }

        /// <summary>
        /// A board's login check (Local/PasswordCheck: PBKDF2 a slice per pass, for SMTP AUTH and
        /// POP3), half-way through, with a password of MeasuredPasswordBytes; and the console's user
        /// change on a board (the new user's entry and its hash being made, as DeviceUsers keeps them).
        /// </summary>
        public static Weight PasswordCheckBytes(out Weight userChange)
        {
            var users = new UserDirectory(1000);
            var hmac = new BudgetHmac();
            byte[] password = new byte[MeasuredPasswordBytes];
            users.Add("person1", password, new HostCrypto());
            var check = new PasswordCheck(users, "person1", password, hmac);
            check.Step(500);
            var entry = new UserEntry { Name = "person2", Iterations = 1000, Salt = new byte[PasswordHash.SaltBytes] };
            var hashing = new Pbkdf2Steps(hmac, password, entry.Salt, entry.Iterations, PasswordHash.HashBytes);
            hashing.Step(500);
            userChange = new ObjectSize().Share(hmac).Weigh(entry, hashing);
            return new ObjectSize().Share(hmac).Share(users).Weigh(check);
        }

        /// <summary>
        /// One entry of the in-memory queue: a committed message with one recipient as the card scan
        /// loads it (Spool/Spool.Scan). Memory keeps queue.index_size of these; the rest of the queue
        /// waits on the card.
        /// </summary>
        public static Weight QueueIndexEntryBytes(GatewayConfig config)
        {
            var card = new SimulatedStorage();
            var spool = new SpoolStore(card, new SpoolSpace(1L << 30), new SilentLog());
            spool.Recover();
            Commit(spool, 1, 64 * 1024);
            var loaded = new SpoolStore(card, new SpoolSpace(1L << 30), new SilentLog());
            loaded.RecoverAll();
            return new ObjectSize().Weigh(loaded.Message(0));
        }

        /// <summary>The page of names the card scan holds (Spool/Spool.Scan): what IStorage.ListAfter gives for a full page of queue files.</summary>
        public static Weight QueueScanPageBytes(GatewayConfig config)
        {
            int page = QueueRunner.ScanPageSize(config.QueueIndexSize);
            var card = new SimulatedStorage();
            for (int i = 0; i < page; i++) card.Close(card.Create(SpoolNames.MakeQueueId(i + 1) + SpoolNames.Message));
            return new ObjectSize().Weigh((object)card.ListAfter(null, page)); // the array too, not only its names
        }

        // What a logged-in POP3 session holds for each message it is shown (Local/Maildrop): the
        // average over a maildrop of pop3.max_messages (at most 256 weighed; it is per message).
        private static Weight MaildropMessageBytes(GatewayConfig config)
        {
            int n = config.Pop3MaxMessages < 256 ? config.Pop3MaxMessages : 256;
            var store = new MailboxStore(new SimulatedStorageFolders());
            IStorage folder = store.Folder("U0000001");
            byte[] text = System.Text.Encoding.ASCII.GetBytes("Subject: snapshot\r\n\r\nx\r\n");
            for (int i = 0; i < n + 1; i++)
            {
                int h = folder.Create(SpoolNames.MakeQueueId(1000 + i) + MailboxStore.MessageExtension);
                folder.Append(h, text, 0, text.Length);
                folder.Close(h);
            }
            Weight one = new ObjectSize().Share(store).Weigh(new Maildrop(store, "U0000001", 1));
            Weight many = new ObjectSize().Share(store).Weigh(new Maildrop(store, "U0000001", n + 1));
            return new Weight((many.DotNet - one.DotNet + n - 1) / n, (many.Nano - one.Nano + n - 1) / n);
        }

        // One client address the loop remembers for logins (the failed-login throttle, POP-before-SMTP,
        // the session reserve: three lists of limits.remembered_clients each): the average over the
        // three lists filled with IPv4 LAN addresses, their arrays included.
        private static Weight RememberedClientBytes(GatewayConfig config)
        {
            int n = config.RememberedClients;
            var throttle = new LoginThrottle(n);
            var popBeforeSmtp = new AddressMemory(n);
            var recent = new AddressMemory(n);
            for (int i = 0; i < n; i++)
            {
                throttle.Failed(Lan(i), 1000);
                popBeforeSmtp.Remember(Lan(i), 1000);
                recent.Remember(Lan(i), 1000);
            }
            Weight all = new ObjectSize().Weigh(throttle, popBeforeSmtp, recent);
            int entries = 3 * n;
            return new Weight((all.DotNet + entries - 1) / entries, (all.Nano + entries - 1) / entries);
        }

        // A LAN client's address ("192.168.1.23"), a different one for each i.
        private static string Lan(int i) => "192.168." + (i / 250).ToString() + "." + (1 + i % 250).ToString();

        // ---- SMTP --------------------------------------------------------------------------------

        // A session at the start of DATA: greeted, sender and one recipient given, its spool file
        // open; recipients beyond the first are measured as the average cost of RecipientSample more.
        // limits.recipients of them, so that the lists' growth to that size is in the average.
        private static Weight MeasureSmtpSession(World world, out Weight perRecipient)
        {
            int sample = world.Config.MaxRecipients > 1 ? world.Config.MaxRecipients - 1 : 1;
            Weight one = SmtpSessionAt(world, 1);
            Weight many = SmtpSessionAt(world, 1 + sample);
            perRecipient = new Weight((many.DotNet - one.DotNet + sample - 1) / sample, (many.Nano - one.Nano + sample - 1) / sample);
            return one - perRecipient;
        }

        private static Weight SmtpSessionAt(World world, int recipients)
        {
            var session = new SmtpServerSession(world.ServerSettings, world.Policy, world.Space, "192.168.1.20", false, 0);
            var connection = new Connection(1, session, new byte[world.Config.IoBuffer]);
            session.TrustClient();
            long size = world.Config.MessageSizeBytes < 1000000 ? world.Config.MessageSizeBytes : 1000000;
            string dialog = "EHLO " + Name("camera-frontdoor", 40) + "\r\nMAIL FROM:<" + Address("sender", 0) + "> SIZE=" + size + "\r\n";
            for (int i = 0; i < recipients; i++) dialog += "RCPT TO:<" + Address("rcpt", i) + ">\r\n";
            Drive(session, dialog + "DATA\r\n");
            if (session.Sender == null || session.RecipientCount == 0)
            {
                throw new InvalidOperationException("the measuring session was refused: " + session.RecipientCount + " recipient(s)");
            }
            var envelope = new Envelope
            {
                ClientAddress = session.ClientAddress, Helo = session.HeloName, Protocol = session.Protocol,
                Sender = session.Sender.Address, Recipients = new string[session.RecipientCount],
            };
            for (int i = 0; i < session.RecipientCount; i++) envelope.Recipients[i] = session.Recipient(i).Address;
            MessageWriter writer = world.Spool.Begin(envelope);
            connection.Writer = writer;
            session.CompleteDataStart(envelope.QueueId, 0);
            Drive(session, "Subject: a picture\r\n\r\n");
            Weight bytes = world.Part().Weigh(connection);
            world.Spool.Abort(writer);
            return bytes;
        }

        // Feeds the dialog as a client that reads its replies, as much as the session takes.
        private static void Drive(SmtpServerSession session, string dialog)
        {
            byte[] input = System.Text.Encoding.ASCII.GetBytes(dialog);
            byte[] output = new byte[4096];
            int at = 0;
            for (int guard = 0; guard < 100000 && at < input.Length; guard++)
            {
                at += session.Receive(input, at, input.Length - at, 0);
                while (Transmitter.Copy(session, output, 0, output.Length) > 0) { }
                int e;
                while ((e = session.PollEvent()) != SessionEvent.None)
                {
                    if (e == SessionEvent.BodyReady) session.Body.Consume(session.Body.Count); // what the spool would take
                }
                while (session.PollLogLine() != null) { }
                if (session.State == ServerState.AwaitingSpool || session.IsClosing) break;
                if (session.State == ServerState.AwaitingDataStart) break;
            }
        }

        // ---- Delivery ----------------------------------------------------------------------------

        // One delivery attempt at its fullest: the job (a route to an address, so no DNS), its SMTP
        // client through a whole pipelined transaction of limits.recipients recipients (each keeps
        // its reply) and a body, the spool reader of the body, and an MX planner as an MX delivery
        // has while resolving. A parked connection is the client session alone.
        private static Weight MeasureDelivery(World world, out Weight parked)
        {
            GatewayConfig config = world.Config;
            int recipients = config.MaxRecipients;
            QueuedMessage message = world.Message(recipients);
            int[] indexes = new int[recipients];
            string[] addresses = new string[recipients];
            for (int i = 0; i < recipients; i++)
            {
                indexes[i] = i;
                addresses[i] = message.Recipients[i].Address;
            }
            var destination = new Destination(Destination.Route, "recipient-domain.example", new HostPort("192.0.2.25", 25));
            IDeliveryJob job = world.Deliveries.Start(message, indexes, destination, 0);
            var client = new SmtpClientSession(ClientSettings.ForMx(config.Hostname), 0);
            client.BeginMessage(message.Envelope.Sender, addresses, message.BodyBytes, 0);
            DriveClient(client, recipients);
            var body = new MessageBody(world.Storage, message.FileName);
            var planner = new MxPlanner("recipient-domain.example", new[] { config.Hostname }, new[] { "192.0.2.1" }, world.Random, new MxSettings());
            ObjectSize part = world.Part().Share(message).Share(addresses);
            foreach (string a in addresses) part.Share(a);
            parked = part.Weigh(client);
            Weight total = part.Weigh(job, client, body, planner);
            body.Close();
            Weight local = MeasureLocalDelivery(world, recipients);
            return local.Budget > total.Budget ? local : total;
        }

        // A delivery into local mailboxes takes a delivery's place too: limits.recipients users, the
        // first copy part way (its queue file open, its mailbox file being written). The delivery
        // job's figure is the larger of the two.
        private static Weight MeasureLocalDelivery(World world, int recipients)
        {
            QueuedMessage message = world.Message(recipients);
            int[] indexes = new int[recipients];
            for (int i = 0; i < recipients; i++) indexes[i] = i;
            var store = new MailboxStore(new SimulatedStorageFolders());
            var job = new LocalDeliveryJob(world.Storage, world.Spool.Scratch, store, new EveryUser(), message, indexes, new SilentLog());
            job.Step(0);   // one step copies up to LocalDeliveryJob.BytesPerStep of a longer body
            if (job.Outcomes[0] != null) throw new InvalidOperationException("the measuring copy finished in one step");
            return world.Part().Share(message).Share(store).Weigh(job);
        }

        // Every user has a mailbox folder.
        private sealed class EveryUser : IUserMailboxes
        {
            public string MailboxFolder(string user) => "U0000001";
        }

        // A server's side of one transaction, as a typical MTA words it, and a body.
        private static void DriveClient(SmtpClientSession client, int recipients)
        {
            client.Connected(0);
            var output = new byte[4096];
            void Reply(string text)
            {
                byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text);
                client.Receive(bytes, 0, bytes.Length, 0);
                while (Transmitter.Copy(client, output, 0, output.Length) > 0) { }
                while (client.PollEvent() != ClientEvent.None) { }
            }
            Reply("220 mx.recipient-domain.example ESMTP\r\n");
            Reply("250-mx.recipient-domain.example\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n");
            var replies = new System.Text.StringBuilder("250 2.1.0 Ok\r\n");
            for (int i = 0; i < recipients; i++) replies.Append("250 2.1.5 Ok\r\n");
            Reply(replies.Append("354 End data with <CR><LF>.<CR><LF>\r\n").ToString());
            byte[] line = System.Text.Encoding.ASCII.GetBytes(new string('y', 998) + "\r\n");
            for (int n = 0; n < 64; n++)
            {
                for (int at = 0; at < line.Length;)
                {
                    at += client.WriteBody(line, at, line.Length - at, 0);
                    while (Transmitter.Copy(client, output, 0, output.Length) > 0) { }
                }
            }
        }

        // ---- Helpers -----------------------------------------------------------------------------

        // What a lookup holds beyond its usual self while it reads an answer over TCP: the answer
        // whole, as long as dns.max_tcp_answer allows (a lookup driven to a truncated UDP answer,
        // then given the TCP length prefix of the largest answer it takes).
        private static Weight DnsTcpAnswerBytes(GatewayConfig config, World world)
        {
            DnsServer[] servers = Servers(config);
            var settings = new DnsSettings { MaxTcpMessageBytes = config.DnsMaxTcpAnswer };
            var lookup = new DnsLookup("recipient-domain.example", DnsType.MX, servers, world.Random, settings);
            byte[] datagram = new byte[DnsMessage.MaxQueryBytes];
            int n = lookup.PollDatagram(datagram, 0, 0, out DnsServer server);
            datagram[2] |= 0x82; // the query comes back as a response (QR) that was truncated (TC)
            lookup.ReceiveDatagram(datagram, 0, n, server.Address, server.Port, 0);
            lookup.TcpConnected();
            if (lookup.State != DnsLookupState.AwaitingTcpAnswer) throw new InvalidOperationException("the measuring lookup did not go to TCP: " + lookup.State);
            ObjectSize part = world.Part().Share(typeof(DnsSettings)).Share(typeof(DnsServerHealth));
            Weight before = part.Weigh(lookup);
            int length = config.DnsMaxTcpAnswer;
            lookup.ReceiveTcp(new[] { (byte)(length >> 8), (byte)length }, 0, 2, 0);
            return world.Part().Share(typeof(DnsSettings)).Share(typeof(DnsServerHealth)).Weigh(lookup) - before;
        }

        private static DnsServer[] Servers(GatewayConfig config)
        {
            if (config.DnsServers.Length > 0) return config.DnsServers;
            DnsServer.TryParseList("192.0.2.53", out DnsServer[] servers, out _);
            return servers;
        }

        private static void Commit(SpoolStore spool, int recipients, int bodyBytes)
        {
            var envelope = new Envelope
            {
                ClientAddress = "192.168.1.20", Helo = Name("camera-frontdoor", 40), Protocol = "ESMTP",
                Sender = Address("sender", 0), Recipients = new string[recipients],
            };
            for (int i = 0; i < recipients; i++) envelope.Recipients[i] = Address("rcpt", i);
            MessageWriter writer = spool.Begin(envelope);
            byte[] line = System.Text.Encoding.ASCII.GetBytes(new string('x', 76) + "\r\n");
            for (int n = 0; n < bodyBytes; n += line.Length) writer.Write(line, 0, line.Length);
            spool.RequestCommit(writer);
            spool.CommitPending();
        }

        // "rcpt7@…" padded to RecipientLength characters.
        private static string Address(string local, int n)
        {
            string user = local + n.ToString();
            return user + "@" + Name("d", RecipientLength - user.Length - 1);
        }

        private static string Name(string start, int length)
        {
            string name = start + ".example";
            while (name.Length < length) name = "x" + name;
            return name.Substring(name.Length - length);
        }

        // The loop and the shared objects, built once on simulated platform parts.
        private sealed class World
        {
            public readonly GatewayConfig Config;
            public readonly SimulatedStorage Storage = new SimulatedStorage();
            public readonly HostRandom Random = new HostRandom(1);
            public readonly DnsResolver Resolver;
            public readonly SmtpDeliveries Deliveries;
            public readonly Gateway Gateway;
            public readonly ServerSettings ServerSettings;
            public readonly Pop3Settings Pop3Settings = new Pop3Settings();
            public readonly RelayPolicy Policy;
            public readonly SpoolSpace Space = new SpoolSpace(1L << 30);
            public readonly SpoolStore Spool;
            private readonly byte[] _scratch;

            public World(GatewayConfig config)
            {
                Config = config;
                _scratch = new byte[Gateway.ScratchSize(config)];
                var network = new SimulatedNetwork();
                var log = new SilentLog();
                Resolver = SmtpDeliveries.CoreResolver(config, network, Random);
                Deliveries = new SmtpDeliveries(config, network, Storage, Resolver, Random, log);
                Gateway = new Gateway(config, network, new SimulatedStorage(), new VirtualClock(0), log, Random, Deliveries, null);
                ServerSettings = config.ToServerSettings();
                ServerSettings.Scratch = _scratch;
                ServerSettings.TlsSessions = new TlsSessions(config.MaxTlsSessions);
                Pop3Settings.TlsSessions = ServerSettings.TlsSessions;
                Policy = config.ToRelayPolicy();
                Spool = new SpoolStore(Storage, Space, log) { Scratch = _scratch };
                Spool.Recover();
            }

            /// <summary>A weighing that leaves out what every part shares.</summary>
            public ObjectSize Part()
            {
                return new ObjectSize().Share(Config).Share(ServerSettings).Share(Pop3Settings).Share(Policy).Share(Space)
                    .Share(_scratch).Share(Spool).Share(Deliveries).Share(Resolver).Share(Gateway)
                    .Share(typeof(TlsSessions)).Share(typeof(SpoolStore));
            }

            private int _messages;

            /// <summary>A committed message with this many recipients, as the queue holds it.</summary>
            public QueuedMessage Message(int recipients)
            {
                var spool = new SpoolStore(Storage, new SpoolSpace(1L << 30), new SilentLog());
                spool.Recover();
                Commit(spool, recipients, 64 * 1024);
                var loaded = new SpoolStore(Storage, new SpoolSpace(1L << 30), new SilentLog());
                loaded.RecoverAll();
                _messages++;
                return loaded.Message(loaded.Count - 1);
            }
        }
    }
}
