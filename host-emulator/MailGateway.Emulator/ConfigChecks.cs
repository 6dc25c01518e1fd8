// What `mailgw run` and `mailgw check-config` both check in a configuration beyond its syntax
// (ConfigParser): Problems, which stop the start (mail for postmaster@ a local domain must reach
// someone, RFC 5321 §4.5.1; the TLS files named must exist), and Warnings, which do not but are
// probably mistakes: a smarthost user without a password, relay.allow wider than private networks
// (an open relay for whoever is in it), plaintext AUTH offered on a listener that is not loopback
// or private.
using System.Collections.Generic;
using System.IO;
using MailGateway.Core.Config;
using MailGateway.Core.Local;
using MailGateway.Core.Relay;
using MailGateway.Emulator.Platform;

namespace MailGateway.Emulator
{
    public static class ConfigChecks
    {
        // RFC 1918, loopback, link-local, CGNAT (RFC 6598); IPv6 unique local, link-local, loopback.
        private static readonly CidrRange[] Private =
        {
            CidrRange.Parse("10.0.0.0/8"), CidrRange.Parse("172.16.0.0/12"), CidrRange.Parse("192.168.0.0/16"),
            CidrRange.Parse("127.0.0.0/8"), CidrRange.Parse("169.254.0.0/16"), CidrRange.Parse("100.64.0.0/10"),
            CidrRange.Parse("fc00::/7"), CidrRange.Parse("fe80::/10"), CidrRange.Parse("::1"),
        };

        /// <summary>What stops the start; each names the key to change.</summary>
        public static List<string> Problems(GatewayConfig config)
        {
            var problems = new List<string>();
            if (config.KeepsMailboxes())
            {
                var aliases = new AliasTable(config.Aliases);
                if (!aliases.IsAlias("postmaster") && !UserExists(config, "postmaster"))
                {
                    problems.Add("mail to postmaster@ a local domain must reach someone (RFC 5321 §4.5.1): " +
                                 "set alias.postmaster = <user or address>, or add a user named postmaster");
                }
            }
            foreach ((string key, string file) in new[] { ("tls.cert", config.TlsCertFile), ("tls.key", config.TlsKeyFile) })
            {
                if (!string.IsNullOrEmpty(file) && !File.Exists(file)) problems.Add(key + ": " + file + " does not exist");
            }
            return problems;
        }

        /// <summary>Settings that are allowed but probably not meant.</summary>
        public static List<string> Warnings(GatewayConfig config)
        {
            var warnings = new List<string>();
            if (config.SmarthostUser != null && config.SmarthostPassword == null)
            {
                warnings.Add("relay.smarthost_user is set but relay.smarthost_password is not: the smarthost will not be asked to log in");
            }
            for (int i = 0; i < config.RelayAllow.Length; i++)
            {
                if (!IsPrivate(config.RelayAllow[i]))
                {
                    warnings.Add("relay.allow includes " + config.RelayAllowText[i] + ", which is not a private network: anyone there may " +
                                 "send mail anywhere through this gateway (an open relay for them)");
                }
            }
            if (config.SmtpAuthPlaintext)
            {
                foreach (ListenEndpoint at in config.SmtpListen)
                {
                    CidrRange single = CidrRange.Parse(at.Address);
                    bool everywhere = at.Address == "0.0.0.0" || at.Address == "::";
                    if (everywhere || single == null || !IsPrivate(single))
                    {
                        warnings.Add("smtp.auth_plaintext = yes while SMTP listens on " + at + (everywhere ? " (every address)" : "") +
                                     ": passwords may cross the internet in clear");
                        break;
                    }
                }
            }
            return warnings;
        }


        private static bool IsPrivate(CidrRange range)
        {
            foreach (CidrRange p in Private)
            {
                if (range.Within(p)) return true;
            }
            return false;
        }

        // The users file is read only when spool.dir exists: checking a configuration creates nothing.
        private static bool UserExists(GatewayConfig config, string name)
        {
            string folder = Path.GetFullPath(config.SpoolDir);
            if (!Directory.Exists(folder)) return false;
            try
            {
                var users = new LocalUsers(new HostStorage(folder), new Budget.SilentLog());
                return users.Load() == null && users.Exists(name);
            }
            catch (IOException)
            {
                return false;
            }
            catch (System.UnauthorizedAccessException)
            {
                return false;
            }
        }
    }
}
