// Transcript pieces most dialogs start with, so each test shows only what it is about.
namespace MailGateway.Tests.Smtp
{
    public static class Dialog
    {
        public const string Greeting = "S: 220 mx.local.test ESMTP MailGateway\n";

        public const string Ehlo = """
            C: EHLO client.test
            S: 250-mx.local.test
            S: 250-PIPELINING
            S: 250-SIZE 10485760
            S: 250-8BITMIME
            S: 250 ENHANCEDSTATUSCODES

            """;

        /// <summary>EHLO with its reply lines matched by wildcards (for non-default SIZE).</summary>
        public const string EhloAnySize = """
            C: EHLO client.test
            S: 250-mx.local.test
            S: 250-PIPELINING
            S: 250-SIZE *
            S: 250-8BITMIME
            S: 250 ENHANCEDSTATUSCODES

            """;

        public const string Helo = """
            C: HELO client.test
            S: 250 mx.local.test

            """;

        public const string Mail = """
            C: MAIL FROM:<sender@client.test>
            S: 250 2.1.0 Ok

            """;

        public const string Rcpt = """
            C: RCPT TO:<user@local.test>
            S: 250 2.1.5 Ok

            """;

        public const string Data = """
            C: DATA
            S: 354 End data with <CR><LF>.<CR><LF>

            """;

        /// <summary>Greeting, EHLO, MAIL, one local RCPT and DATA: the client may send the message now.</summary>
        public const string UpToData = Greeting + Ehlo + Mail + Rcpt + Data;

        /// <summary>The reply to the end of the first message of a session.</summary>
        public const string Queued = "S: 250 2.0.0 Ok: queued as 4B7C1D0001\n";

        public const string Quit = """
            C: QUIT
            S: 221 2.0.0 Bye

            """;

        /// <summary>C: lines for each line of text (text split at "\n").</summary>
        public static string ClientLines(string text)
        {
            var lines = text.Split('\n');
            return string.Concat(lines.Select(l => "C: " + l + "\n"));
        }

        /// <summary>The reply expected for an exchange in a named state ("connected", "ehlo", "helo", "mail", "rcpt").</summary>
        public static string To(string state)
        {
            return state switch
            {
                "connected" => Greeting,
                "ehlo" => Greeting + Ehlo,
                "helo" => Greeting + Helo,
                "mail" => Greeting + Ehlo + Mail,
                "rcpt" => Greeting + Ehlo + Mail + Rcpt,
                "helo-mail" => Greeting + Helo + "C: MAIL FROM:<sender@client.test>\nS: 250 Ok\n",
                _ => throw new ArgumentException("unknown state " + state),
            };
        }
    }
}
