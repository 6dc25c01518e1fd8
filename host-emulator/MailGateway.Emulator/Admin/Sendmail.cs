// mailgw sendmail: the sendmail command line that scripts, cron and other programs call to send
// mail, as a drop-in /usr/sbin/sendmail (a link to mailgw named "sendmail" works the same). The
// message comes on standard input; it is handed to the running gateway over SMTP on its first
// smtp.listen (loopback, so relay.allow's default lets it through) with MailKit, and the gateway
// queues and delivers it like any other. When the gateway cannot be reached the message is not
// kept: the exit code (75) says "try again", as sendmail's does when its queue is unavailable.
//
//   mailgw sendmail [-t] [-i | -oi] [-f SENDER] [-F FULLNAME] [-C CONFIG] [RECIPIENT...]
//     -t        recipients also from the To, Cc and Bcc headers (Bcc is removed), as Postfix does
//     -i, -oi   a line with a single "." is part of the message (otherwise it ends the input)
//     -f, -r    the envelope sender (default: the user's name at hostname; "<>" for none)
//     -F        the full name for the From header, when the message has none
//     -C        the configuration file (default: $MAILGW_CONFIG, /etc/mailgw/mailgw.conf, or the
//               embedded defaults); a user who may not read the installed file (it holds
//               secrets) hands the message to 127.0.0.1:25, where an installed gateway listens
//   Accepted and ignored, as scripts pass them: -bm, -odi, -odb, -oem, -oee, -om, -v, -U, -B TYPE,
//   -N DSN, -R RET, -V ENVID, and any other -o option.
// A message without a header is taken as the body of one (From and Date are added); a message
// without From gets one. A recipient without a domain (cron's MAILTO=root) gets "@hostname", as
// Postfix adds $myorigin: make hostname a local domain with an alias to forward such mail. Exit codes from sysexits.h: 0 queued, 64 usage, 65 a bad message
// or address, 67 a recipient refused, 69 refused for good otherwise, 74 standard input unreadable,
// 75 try again later (gateway down, or a temporary refusal).
using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using MailGateway.Core.Config;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailGateway.Emulator.Admin
{
    public static class Sendmail
    {
        public const string DefaultConfig = "/etc/mailgw/mailgw.conf";

        public static string UsageText =>
            "usage: mailgw sendmail [-t] [-i|-oi] [-f SENDER] [-F FULLNAME] [-C CONFIG] [RECIPIENT...]  (the message on standard input)";

        /// <summary>True when this process was started under the name "sendmail" (a link to mailgw).</summary>
        public static bool InvokedAsSendmail()
        {
            string[] argv = Environment.GetCommandLineArgs();
            return argv.Length > 0 && Path.GetFileName(argv[0]) == "sendmail";
        }

        public static int Run(string[] args, Stream input, TextWriter error)
        {
            bool fromHeaders = false, dotEnds = true;
            string sender = null, fullName = null, configPath = null;
            var recipients = new List<string>();
            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                if (a == "--help")
                {
                    error.WriteLine(UsageText);
                    return 0;
                }
                if (a == "--")
                {
                    for (i++; i < args.Length; i++) recipients.Add(args[i]);
                    break;
                }
                if (a.Length < 2 || a[0] != '-')
                {
                    recipients.Add(a);
                    continue;
                }
                char flag = a[1];
                string value = null;
                if ("fFCrBNRV".IndexOf(flag) >= 0)
                {
                    // "-fSENDER" or "-f SENDER"
                    value = a.Length > 2 ? a.Substring(2) : (i + 1 < args.Length ? args[++i] : null);
                    if (value == null)
                    {
                        error.WriteLine("mailgw sendmail: -" + flag + " needs a value\n" + UsageText);
                        return ExitCodes.Usage;
                    }
                }
                switch (flag)
                {
                    case 't' when a == "-t": fromHeaders = true; break;
                    case 'i' when a == "-i": dotEnds = false; break;
                    case 'o': if (a == "-oi") dotEnds = false; break; // every other -o option: ignored
                    case 'f':
                    case 'r': sender = value; break;
                    case 'F': fullName = value; break;
                    case 'C': configPath = value; break;
                    case 'B': case 'N': case 'R': case 'V': break;
                    case 'b' when a == "-bm": break;
                    case 'v' when a == "-v": break;
                    case 'U' when a == "-U": break;
                    default:
                        error.WriteLine("mailgw sendmail: unknown option " + a + "\n" + UsageText);
                        return ExitCodes.Usage;
                }
            }

            configPath ??= Environment.GetEnvironmentVariable("MAILGW_CONFIG");
            bool installed = configPath == null && File.Exists(DefaultConfig);
            if (installed) configPath = DefaultConfig;
            GatewayConfig config = ConfigFile.Load(configPath, out string problem);
            if (config == null && installed && Unreadable(DefaultConfig))
            {
                // The installed file holds secrets and is not for every user; sendmail needs only
                // the port, and an installed gateway listens on port 25 of every address.
                config = ConfigFile.Load(null, out _);
                config.SmtpListen = new[] { new ListenEndpoint("127.0.0.1", 25) };
            }
            else if (config == null)
            {
                error.WriteLine("mailgw sendmail: " + problem);
                return ExitCodes.Usage;
            }

            byte[] raw;
            try
            {
                raw = ReadMessage(input, dotEnds);
            }
            catch (IOException e)
            {
                error.WriteLine("mailgw sendmail: cannot read the message from standard input: " + e.Message);
                return ExitCodes.IoError;
            }
            MimeMessage message = Parse(raw);
            if (sender == null) sender = (Environment.UserName ?? "root") + "@" + config.Hostname;
            MailboxAddress envelopeSender;
            try
            {
                envelopeSender = sender == "<>" || sender.Length == 0 ? null : MailboxAddress.Parse(sender.Trim('<', '>'));
                if (fromHeaders)
                {
                    foreach (InternetAddressList list in new[] { message.To, message.Cc, message.Bcc })
                        foreach (MailboxAddress m in list.Mailboxes) recipients.Add(m.Address);
                    message.Headers.RemoveAll(HeaderId.Bcc);
                }
            }
            catch (ParseException e)
            {
                error.WriteLine("mailgw sendmail: bad address: " + e.Message);
                return ExitCodes.DataError;
            }
            var to = new List<MailboxAddress>();
            foreach (string given in recipients)
            {
                // A bare name (cron's MAILTO=root) is a user at this gateway's hostname, as Postfix adds $myorigin.
                string r = given.IndexOf('@') < 0 && given.IndexOf('<') < 0 ? given + "@" + config.Hostname : given;
                if (!MailboxAddress.TryParse(r, out MailboxAddress address) || address.Address.IndexOf('@') < 0)
                {
                    error.WriteLine("mailgw sendmail: \"" + r + "\" is not an address (user@domain)");
                    return ExitCodes.DataError;
                }
                to.Add(address);
            }
            if (to.Count == 0)
            {
                error.WriteLine("mailgw sendmail: no recipients (give them as arguments, or use -t)\n" + UsageText);
                return ExitCodes.Usage;
            }
            if (message.From.Count == 0)
            {
                message.From.Add(new MailboxAddress(fullName, envelopeSender?.Address ?? "MAILER-DAEMON@" + config.Hostname));
            }
            if (!message.Headers.Contains(HeaderId.Date)) message.Date = DateTimeOffset.Now;

            return Submit(config, message, envelopeSender, to, error);
        }

        private static bool Unreadable(string path)
        {
            try
            {
                using (File.OpenRead(path)) return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
            catch (IOException)
            {
                return false;
            }
        }

        // The whole of standard input, or up to a line that is a single "." (unless -i).
        private static byte[] ReadMessage(Stream input, bool dotEnds)
        {
            var all = new MemoryStream();
            input.CopyTo(all);
            byte[] bytes = all.ToArray();
            if (!dotEnds) return bytes;
            int lineStart = 0;
            for (int i = 0; i <= bytes.Length; i++)
            {
                if (i < bytes.Length && bytes[i] != (byte)'\n') continue;
                int end = i > lineStart && bytes[i - 1] == (byte)'\r' ? i - 1 : i;
                if (end - lineStart == 1 && bytes[lineStart] == (byte)'.')
                {
                    byte[] cut = new byte[lineStart];
                    Array.Copy(bytes, cut, lineStart);
                    return cut;
                }
                lineStart = i + 1;
            }
            return bytes;
        }

        // A message whose first line is not a header is all body (echo hello | sendmail user@example.com).
        private static MimeMessage Parse(byte[] raw)
        {
            if (StartsWithHeader(raw))
            {
                try
                {
                    return MimeMessage.Load(new MemoryStream(raw));
                }
                catch (FormatException)
                {
                    // not a message after all: taken as text below
                }
            }
            var message = new MimeMessage();
            message.Body = new TextPart("plain") { Text = System.Text.Encoding.UTF8.GetString(raw) };
            return message;
        }

        private static bool StartsWithHeader(byte[] raw)
        {
            for (int i = 0; i < raw.Length; i++)
            {
                byte b = raw[i];
                if (b == (byte)':') return i > 0;
                if (b <= 32 || b >= 127) return false;
            }
            return false;
        }

        private static int Submit(GatewayConfig config, MimeMessage message, MailboxAddress sender, List<MailboxAddress> to, TextWriter error)
        {
            ListenEndpoint at = config.SmtpListen.Length > 0 ? config.SmtpListen[0] : null;
            if (at == null)
            {
                error.WriteLine("mailgw sendmail: smtp.listen is empty: there is no gateway to hand the message to");
                return ExitCodes.Unavailable;
            }
            string host = at.LocalAddress;
            using var client = new SmtpClient { Timeout = 60_000 };
            try
            {
                client.Connect(host, at.Port, MailKit.Security.SecureSocketOptions.None);
                client.Send(message, sender ?? new MailboxAddress("", ""), to);
                client.Disconnect(true);
                return 0;
            }
            catch (SocketException e)
            {
                error.WriteLine("mailgw sendmail: cannot reach the gateway at " + at + " (" + e.Message + "); the message was not sent, try again later");
                return ExitCodes.TemporaryFailure;
            }
            catch (SmtpCommandException e)
            {
                bool temporary = (int)e.StatusCode >= 400 && (int)e.StatusCode < 500;
                string what = e.ErrorCode == SmtpErrorCode.RecipientNotAccepted ? "refused recipient " + e.Mailbox?.Address
                            : e.ErrorCode == SmtpErrorCode.SenderNotAccepted ? "refused sender " + e.Mailbox?.Address : "refused the message";
                error.WriteLine("mailgw sendmail: the gateway " + what + ": " + (int)e.StatusCode + " " + e.Message.Trim());
                if (temporary) return ExitCodes.TemporaryFailure;
                return e.ErrorCode == SmtpErrorCode.RecipientNotAccepted ? ExitCodes.NoUser
                     : e.ErrorCode == SmtpErrorCode.SenderNotAccepted ? ExitCodes.DataError : ExitCodes.Unavailable;
            }
            catch (Exception e) when (e is SmtpProtocolException || e is IOException || e is MailKit.ServiceNotConnectedException || e is TimeoutException)
            {
                error.WriteLine("mailgw sendmail: the conversation with the gateway at " + at + " failed (" + e.Message + "); try again later");
                return ExitCodes.TemporaryFailure;
            }
        }
    }
}
