// Reads a configuration file: one "key = value" per line; '#' at the start of a line or after
// white space starts a comment; lists are comma-separated; sizes take K/M/G suffixes (binary),
// durations s/m/h/d (plain numbers are seconds). An unknown key or a bad value is an error naming the file, the line and the problem;
// the caller stops start-up on it. A key given twice: the last one wins (like Postfix's main.cf).
using MailGateway.Core.Relay;
using MailGateway.Core.Text;

namespace MailGateway.Core.Config
{
    public static class ConfigParser
    {
        /// <summary>Applies the text's settings to config; returns null or "file:line: problem".</summary>
        public static string Apply(string text, string fileName, GatewayConfig config)
        {
            string[] lines = text.Split('\n');
            int reservedLine = 0;
            int consoleLine = 0;
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                if (line.Length > 0 && line[line.Length - 1] == '\r') line = line.Substring(0, line.Length - 1);
                string key;
                string value;
                if (!TryKeyValue(line, out key, out value))
                {
                    int hash = CommentStart(line);
                    if (Ascii.Trim(hash >= 0 ? line.Substring(0, hash) : line).Length == 0) continue;
                    return fileName + ":" + (i + 1).ToString() + ": expected \"key = value\"";
                }
                string problem = Set(config, key, value);
                if (problem != null) return fileName + ":" + (i + 1).ToString() + ": " + problem;
                if (key == "limits.sessions_reserved") reservedLine = i + 1;
                if (key == "console.listen") consoleLine = i + 1;
            }
            string open = consoleLine > 0 ? config.ConsoleOpenWithoutPassword() : null;
            if (open != null)
            {
                return fileName + ":" + consoleLine.ToString() + ": console.listen: " + open +
                       " is not a loopback address, and console.password is not set: anyone who reaches it could run the console";
            }
            if (reservedLine > 0 && config.SessionsReserved >= config.MaxSessions)
            {
                return fileName + ":" + reservedLine.ToString() + ": limits.sessions_reserved: " + config.SessionsReserved.ToString() +
                       " leaves no session for other clients (limits.sessions = " + config.MaxSessions.ToString() + ")";
            }
            return null;
        }

        /// <summary>
        /// A "key = value" line of the file (CR and comment removed, key lower-cased, both trimmed);
        /// false for a blank or comment line and for a line that is not "key = value".
        /// </summary>
        public static bool TryKeyValue(string line, out string key, out string value)
        {
            key = null;
            value = null;
            if (line.Length > 0 && line[line.Length - 1] == '\r') line = line.Substring(0, line.Length - 1);
            int hash = CommentStart(line);
            if (hash >= 0) line = line.Substring(0, hash);
            int equals = line.IndexOf('=');
            if (equals <= 0) return false;
            key = Ascii.ToLower(Ascii.Trim(line.Substring(0, equals)));
            value = Ascii.Trim(line.Substring(equals + 1));
            return key.Length > 0;
        }

        // '#' starts a comment at the start of a line or after white space, so that a password
        // such as "pa#ss" survives.
        private static int CommentStart(string line)
        {
            for (int i = 0; i < line.Length; i++)
            {
                if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) return i;
            }
            return -1;
        }

        /// <summary>Sets one key; returns null or what is wrong with it.</summary>
        public static string Set(GatewayConfig config, string key, string value)
        {
            switch (key)
            {
                case "hostname":
                    if (!Smtp.PathParser.IsDomain(value)) return "hostname: \"" + value + "\" is not a domain name";
                    config.Hostname = value;
                    return null;
                case "smtp.listen":
                    return SetListen(config, value);
                case "relay.allow":
                    return SetAllow(config, value);
                case "relay.domains":
                    return SetDomains(key, value, out config.RelayDomains);
                case "local.domains":
                    return SetDomains(key, value, out config.LocalDomains);
                case "limits.message_size":
                    return SetSize(key, value, 1024, out config.MessageSizeBytes);
                case "limits.recipients":
                    // Spool.Envelope.MaxRecipients: the most one message may have on the card.
                    return SetInt(key, value, 1, Spool.Envelope.MaxRecipients, out config.MaxRecipients);
                case "limits.sessions":
                    return SetInt(key, value, 1, 10000, out config.MaxSessions);
                case "limits.smtp_sessions":
                    return SetInt(key, value, 0, 10000, out config.MaxSmtpSessions);
                case "limits.tls_sessions":
                    return SetInt(key, value, 0, 10000, out config.MaxTlsSessions);
                case "board.heap":
                    return SetSize(key, value, 0, out config.BoardHeapBytes);
                case "board.native_heap":
                    return SetSize(key, value, 0, out config.BoardNativeHeapBytes);
                case "board.tls_session_bytes":
                    return SetSize(key, value, 0, out config.BoardTlsSessionBytes);
                case "board.sockets":
                    return SetInt(key, value, 0, 65535, out config.BoardSockets);
                case "limits.io_buffer":
                {
                    long bytes;
                    string error = SetSize(key, value, 1024, out bytes);
                    if (error != null) return error;
                    if (bytes > 65536) return key + ": " + value + " is over 64K";
                    config.IoBufferBytes = (int)bytes;
                    return null;
                }
                case "limits.remembered_clients":
                    return SetInt(key, value, 1, 10000, out config.RememberedClients);
                case "limits.sessions_per_client":
                    return SetInt(key, value, 1, 10000, out config.SessionsPerClient);
                case "limits.sessions_reserved":
                    return SetInt(key, value, 0, 9999, out config.SessionsReserved);
                case "limits.errors":
                    return SetInt(key, value, 1, 1000, out config.MaxErrors);
                case "limits.command_line":
                    // RFC 5321 §4.5.3.1.4: at least 512 octets including CRLF.
                    return SetInt(key, value, 512, 65536, out config.MaxCommandLine);
                case "limits.idle_timeout":
                    return SetDuration(key, value, false, out config.IdleTimeoutMs);
                case "pop3.listen":
                    return ParseEndpoints(key, value, true, out config.Pop3Listen);
                case "pop3.listen_tls":
                    return ParseEndpoints(key, value, true, out config.Pop3ListenTls);
                case "local.mailbox_format":
                    if (value != "files" && value != "maildir") return "local.mailbox_format: \"" + value + "\" is not files or maildir";
                    config.MailboxFormat = value;
                    return null;
                case "local.mailbox_max_bytes":
                    return SetSize(key, value, 0, out config.MailboxMaxBytes);
                case "relay.pop_before_smtp":
                    return SetDuration(key, value, true, out config.PopBeforeSmtpMs);
                case "pop3.max_messages":
                    return SetInt(key, value, 1, 100000, out config.Pop3MaxMessages);
                case "pop3.auth_plaintext":
                    return SetBool(key, value, out config.Pop3AuthPlaintext);
                case "smtp.listen_tls":
                    return ParseEndpoints(key, value, true, out config.SmtpListenTls);
                case "tls.cert":
                    config.TlsCertFile = value.Length == 0 ? null : value;
                    return null;
                case "tls.key":
                    config.TlsKeyFile = value.Length == 0 ? null : value;
                    return null;
                case "smtp.auth_plaintext":
                    return SetBool(key, value, out config.SmtpAuthPlaintext);
                case "spool.dir":
                    if (value.Length == 0) return "spool.dir: empty path";
                    config.SpoolDir = value;
                    return null;
                case "spool.max_bytes":
                    return SetSize(key, value, 64 * 1024, out config.SpoolMaxBytes);
                case "dns.servers":
                    return SetDnsServers(config, value);
                case "dns.concurrency":
                    return SetInt(key, value, 1, 64, out config.DnsConcurrency);
                case "dns.udp_sockets":
                    return SetInt(key, value, 1, Dns.DnsResolver.MaxUdpSocketsPerFamily, out config.DnsUdpSockets);
                case "dns.max_tcp_answer":
                {
                    // At least what a truncated UDP answer held; at most what TCP's length field says (RFC 1035 §4.2.2).
                    long bytes;
                    string error = SetSize(key, value, Dns.DnsMessage.DefaultUdpPayloadBytes, out bytes);
                    if (error != null) return error;
                    if (bytes > 65535) return key + ": " + value + " is over the 65535 bytes a DNS message over TCP can have";
                    config.DnsMaxTcpAnswer = (int)bytes;
                    return null;
                }
                case "relay.smarthost":
                    if (value.Length == 0)
                    {
                        config.Smarthost = null;
                        return null;
                    }
                    config.Smarthost = ParseHostPort(value, -1);
                    return config.Smarthost == null ? "relay.smarthost: \"" + value + "\" is not host:port" : null;
                case "relay.smarthost_tls":
                    config.SmarthostTls = TlsMode.Parse(value);
                    return config.SmarthostTls < 0 ? "relay.smarthost_tls: \"" + value + "\" is not starttls, implicit or none" : null;
                case "relay.smarthost_verify":
                    return SetBool(key, value, out config.SmarthostVerify);
                case "relay.smarthost_user":
                    config.SmarthostUser = value.Length == 0 ? null : value;
                    return null;
                case "relay.smarthost_password":
                    config.SmarthostPassword = value.Length == 0 ? null : value;
                    return null;
                case "console.listen":
                    return ParseEndpoints(key, value, true, out config.ConsoleListen);
                case "console.serial":
                    return SetConsoleSerial(config, value);
                case "console.password":
                    config.ConsolePassword = value.Length == 0 ? null : value;
                    return null;
                case "console.log_bytes":
                {
                    long bytes;
                    string error = SetSize(key, value, 1, out bytes);
                    if (error != null) return error;
                    if (bytes < 256 || bytes > 1024 * 1024) return key + ": " + value + " is not between 256 and 1M";
                    config.ConsoleLogBytes = (int)bytes;
                    return null;
                }
                case "delivery.port":
                    return SetInt(key, value, 1, 65535, out config.DeliveryPort);
                case "delivery.concurrency":
                    return SetInt(key, value, 1, 100, out config.MaxDeliveries);
                case "delivery.connection_reuse_time":
                    return SetDuration(key, value, true, out config.ConnectionReuseMs);
                case "delivery.max_addresses":
                    return SetInt(key, value, 1, 20, out config.MaxAddressesPerAttempt);
                case "delivery.connect_timeout":
                    return SetDuration(key, value, false, out config.ConnectTimeoutMs);
                case "delivery.command_timeout":
                    return SetDuration(key, value, false, out config.CommandTimeoutMs);
                case "delivery.data_start_timeout":
                    return SetDuration(key, value, false, out config.DataStartTimeoutMs);
                case "delivery.data_block_timeout":
                    return SetDuration(key, value, false, out config.DataBlockTimeoutMs);
                case "delivery.data_end_timeout":
                    return SetDuration(key, value, false, out config.DataEndTimeoutMs);
                case "queue.lifetime":
                    return SetDuration(key, value, false, out config.QueueLifetimeMs);
                case "queue.warn_after":
                    return SetDuration(key, value, true, out config.WarnAfterMs);
                case "queue.retry":
                    return SetRetry(config, value);
                case "queue.index_size":
                    return SetInt(key, value, 4, 100000, out config.QueueIndexSize);
                case "queue.postmaster":
                    return SetPostmaster(config, value);
                default:
                    if (DeviceKeys.IsDeviceKey(key)) return DeviceKeys.Check(key, value);
                    if (Ascii.StartsWithIgnoreCase(key, "route.")) return SetRoute(config, key.Substring(6), value);
                    if (Ascii.StartsWithIgnoreCase(key, "alias.")) return SetAlias(config, key.Substring(6), value);
                    return "unknown key \"" + key + "\"";
            }
        }

        // "console.serial = /dev/ttyUSB0" or "/dev/ttyUSB0, 115200"; empty: none.
        private static string SetConsoleSerial(GatewayConfig config, string value)
        {
            string port;
            int baud;
            if (value.Length > 0 && !SerialPort(value, out port, out baud))
            {
                return "console.serial: \"" + value + "\" is not PORT or PORT, SPEED (e.g. /dev/ttyUSB0, 115200)";
            }
            config.ConsoleSerial = value.Length == 0 ? null : value;
            return null;
        }

        /// <summary>console.serial's port and speed (115200 unless given); false when the text is not PORT or PORT, SPEED.</summary>
        public static bool SerialPort(string text, out string port, out int baud)
        {
            string[] parts = SplitList(text);
            port = parts.Length > 0 ? parts[0] : null;
            baud = 115200;
            if (parts.Length == 0 || parts.Length > 2) return false;
            if (parts.Length == 1) return true;
            long speed;
            if (!Ascii.TryParseLong(parts[1], out speed) || speed < 1200 || speed > 4000000) return false;
            baud = (int)speed;
            return true;
        }

        /// <summary>"5m", "4h", "90s", "2d": the largest unit that divides the time exactly.</summary>
        public static string FormatDuration(long ms)
        {
            if (ms % 86400000 == 0 && ms > 0) return (ms / 86400000).ToString() + "d";
            if (ms % 3600000 == 0 && ms > 0) return (ms / 3600000).ToString() + "h";
            if (ms % 60000 == 0 && ms > 0) return (ms / 60000).ToString() + "m";
            return (ms / 1000).ToString() + "s";
        }

        /// <summary>
        /// "host", "host:port", "192.0.2.1:25", "[2001:db8::1]:25"; host is a domain name or an IP
        /// literal. defaultPort &lt; 0 means the port must be given. Null when malformed.
        /// </summary>
        public static HostPort ParseHostPort(string text, int defaultPort)
        {
            string host = text;
            string portText = null;
            if (text.Length > 0 && text[0] == '[')
            {
                int close = text.IndexOf(']');
                if (close < 0) return null;
                host = text.Substring(1, close - 1);
                if (close + 1 < text.Length)
                {
                    if (text[close + 1] != ':') return null;
                    portText = text.Substring(close + 2);
                }
                if (host.IndexOf(':') < 0 || IpAddress.Parse(host) == null) return null;
            }
            else
            {
                int colon = text.IndexOf(':');
                if (colon >= 0)
                {
                    if (text.IndexOf(':', colon + 1) >= 0) return null; // bare IPv6 needs brackets
                    host = text.Substring(0, colon);
                    portText = text.Substring(colon + 1);
                }
                if (IpAddress.Parse(host) == null && !Smtp.PathParser.IsDomain(host)) return null;
            }
            long port = defaultPort;
            if (portText != null && !Ascii.TryParseLong(portText, out port)) return null;
            if (port < 1 || port > 65535) return null;
            return new HostPort(Ascii.ToLower(host), (int)port);
        }

        private static string SetDnsServers(GatewayConfig config, string value)
        {
            Dns.DnsServer[] servers;
            string error;
            if (!Dns.DnsServer.TryParseList(value, out servers, out error)) return "dns.servers: " + error;
            config.DnsServers = servers;
            return null;
        }

        private static string SetRoute(GatewayConfig config, string domain, string value)
        {
            if (!Smtp.PathParser.IsDomain(domain)) return "route." + domain + ": \"" + domain + "\" is not a domain name";
            HostPort target = ParseHostPort(value, 25);
            if (target == null) return "route." + domain + ": \"" + value + "\" is not host[:port]";
            domain = Ascii.ToLower(domain);
            Route[] routes = new Route[config.Routes.Length + 1];
            int n = 0;
            for (int i = 0; i < config.Routes.Length; i++)
            {
                if (config.Routes[i].Domain != domain) routes[n++] = config.Routes[i];
            }
            routes[n++] = new Route(domain, target);
            config.Routes = new Route[n];
            System.Array.Copy(routes, config.Routes, n);
            return null;
        }

        private static string SetAlias(GatewayConfig config, string name, string value)
        {
            if (!IsLocalPart(name)) return "alias." + name + ": \"" + name + "\" is not a mail user name";
            string[] targets = SplitList(value);
            if (targets.Length == 0) return "alias." + name + ": at least one target is needed";
            for (int i = 0; i < targets.Length; i++)
            {
                string t = targets[i];
                if (t.IndexOf('@') < 0)
                {
                    if (!IsLocalPart(t)) return "alias." + name + ": \"" + t + "\" is not a user name or mail address";
                    targets[i] = Ascii.ToLower(t);
                    continue;
                }
                Smtp.MailPath path;
                int next;
                if (Smtp.PathParser.TryParse("<" + t + ">", 0, false, false, out path, out next) != Smtp.PathParser.Ok || path.Domain == null)
                {
                    return "alias." + name + ": \"" + t + "\" is not a user name or mail address";
                }
                targets[i] = path.Address;
            }
            name = Ascii.ToLower(name);
            Alias[] aliases = new Alias[config.Aliases.Length + 1];
            int n = 0;
            for (int i = 0; i < config.Aliases.Length; i++)
            {
                if (config.Aliases[i].Name != name) aliases[n++] = config.Aliases[i];
            }
            aliases[n++] = new Alias(name, targets);
            config.Aliases = new Alias[n];
            System.Array.Copy(aliases, config.Aliases, n);
            return null;
        }

        /// <summary>A local part as users and aliases have them: RFC 5322 atext and dots, at most 64.</summary>
        public static bool IsLocalPart(string name)
        {
            Smtp.MailPath path;
            int next;
            return name.Length > 0 && name.Length <= 64 && name.IndexOf('"') < 0 &&
                   Smtp.PathParser.TryParse("<" + name + "@x.test>", 0, false, false, out path, out next) == Smtp.PathParser.Ok;
        }

        private static string SetRetry(GatewayConfig config, string value)
        {
            string[] items = SplitList(value);
            if (items.Length == 0) return "queue.retry: at least one wait is needed";
            long[] waits = new long[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                string problem = SetDuration("queue.retry", items[i], false, out waits[i]);
                if (problem != null) return problem;
            }
            config.RetryWaitsMs = waits;
            return null;
        }

        private static string SetPostmaster(GatewayConfig config, string value)
        {
            if (value.Length == 0)
            {
                config.Postmaster = null;
                return null;
            }
            Smtp.MailPath path;
            int next;
            if (Smtp.PathParser.TryParse("<" + value + ">", 0, false, false, out path, out next) != Smtp.PathParser.Ok ||
                path.Domain == null)
            {
                return "queue.postmaster: \"" + value + "\" is not a mail address";
            }
            config.Postmaster = path.Address;
            return null;
        }

        private static string SetBool(string key, string value, out bool result)
        {
            string v = Ascii.ToLower(value);
            result = v == "yes" || v == "true" || v == "on";
            if (result || v == "no" || v == "false" || v == "off") return null;
            return key + ": \"" + value + "\" is not yes or no";
        }

        /// <summary>Splits a comma-separated list, trimming entries and dropping empty ones.</summary>
        public static string[] SplitList(string value)
        {
            string[] parts = value.Split(',');
            int n = 0;
            for (int i = 0; i < parts.Length; i++)
            {
                parts[i] = Ascii.Trim(parts[i]);
                if (parts[i].Length > 0) parts[n++] = parts[i];
            }
            string[] result = new string[n];
            System.Array.Copy(parts, result, n);
            return result;
        }

        private static string SetListen(GatewayConfig config, string value)
        {
            ListenEndpoint[] endpoints;
            string problem = ParseEndpoints("smtp.listen", value, false, out endpoints);
            if (problem == null) config.SmtpListen = endpoints;
            return problem;
        }

        private static string ParseEndpoints(string key, string value, bool allowEmpty, out ListenEndpoint[] endpoints)
        {
            endpoints = null;
            string[] items = SplitList(value);
            if (items.Length == 0 && !allowEmpty) return key + ": at least one address:port is needed";
            endpoints = new ListenEndpoint[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                endpoints[i] = ParseEndpoint(items[i]);
                if (endpoints[i] == null)
                {
                    return key + ": \"" + items[i] + "\" is not address:port (IPv6 as [address]:port)";
                }
            }
            return null;
        }

        /// <summary>"192.0.2.1:25", "[::1]:2525", "[::]:25"; null when malformed.</summary>
        public static ListenEndpoint ParseEndpoint(string text)
        {
            string address;
            string portText;
            if (text.Length > 0 && text[0] == '[')
            {
                int close = text.IndexOf(']');
                if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':') return null;
                address = text.Substring(1, close - 1);
                portText = text.Substring(close + 2);
                if (address.IndexOf(':') < 0) return null;
            }
            else
            {
                int colon = text.LastIndexOf(':');
                if (colon <= 0) return null;
                address = text.Substring(0, colon);
                portText = text.Substring(colon + 1);
                if (address.IndexOf(':') >= 0) return null;
            }
            long port;
            if (IpAddress.Parse(address) == null) return null;
            if (!Ascii.TryParseLong(portText, out port) || port < 1 || port > 65535) return null;
            return new ListenEndpoint(address, (int)port);
        }

        private static string SetAllow(GatewayConfig config, string value)
        {
            string[] items = SplitList(value);
            CidrRange[] ranges = new CidrRange[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                ranges[i] = CidrRange.Parse(items[i]);
                if (ranges[i] == null) return "relay.allow: \"" + items[i] + "\" is not an IP address or CIDR range";
            }
            config.RelayAllow = ranges;
            config.RelayAllowText = items;
            return null;
        }

        private static string SetDomains(string key, string value, out string[] domains)
        {
            domains = SplitList(value);
            for (int i = 0; i < domains.Length; i++)
            {
                if (!Smtp.PathParser.IsDomain(domains[i])) return key + ": \"" + domains[i] + "\" is not a domain name";
                domains[i] = Ascii.ToLower(domains[i]);
            }
            return null;
        }

        private static string SetInt(string key, string value, int min, int max, out int result)
        {
            long parsed;
            result = 0;
            if (!Ascii.TryParseLong(value, out parsed) || parsed < min || parsed > max)
            {
                return key + ": \"" + value + "\" is not a whole number from " + min.ToString() + " to " + max.ToString();
            }
            result = (int)parsed;
            return null;
        }

        private static string SetSize(string key, string value, long min, out long result)
        {
            result = 0;
            long multiplier = 1;
            string digits = value;
            if (value.Length > 0)
            {
                char unit = Ascii.ToUpper(value[value.Length - 1]);
                if (unit == 'K') multiplier = 1024;
                else if (unit == 'M') multiplier = 1024 * 1024;
                else if (unit == 'G') multiplier = 1024 * 1024 * 1024;
                if (multiplier > 1) digits = value.Substring(0, value.Length - 1);
            }
            long parsed;
            if (!Ascii.TryParseLong(digits, out parsed) || parsed > long.MaxValue / multiplier / 2)
            {
                return key + ": \"" + value + "\" is not a size (bytes, or a number with K, M or G)";
            }
            result = parsed * multiplier;
            if (result < min) return key + ": " + value + " is below the minimum of " + min.ToString() + " bytes";
            return null;
        }

        private static string SetDuration(string key, string value, bool allowZero, out long resultMs)
        {
            resultMs = 0;
            long multiplier = 1000;
            string digits = value;
            if (value.Length > 0 && !Ascii.IsDigit(value[value.Length - 1]))
            {
                char unit = Ascii.ToLower(value[value.Length - 1]);
                if (unit == 's') multiplier = 1000;
                else if (unit == 'm') multiplier = 60 * 1000;
                else if (unit == 'h') multiplier = 3600 * 1000;
                else if (unit == 'd') multiplier = 86400 * 1000;
                else return key + ": \"" + value + "\" has an unknown unit (use s, m, h or d)";
                digits = value.Substring(0, value.Length - 1);
            }
            long parsed;
            if (!Ascii.TryParseLong(digits, out parsed) || parsed < (allowZero ? 0 : 1) || parsed > 365L * 86400)
            {
                return key + ": \"" + value + "\" is not a duration (seconds, or a number with s, m, h or d)";
            }
            resultMs = parsed * multiplier;
            return null;
        }
    }
}
