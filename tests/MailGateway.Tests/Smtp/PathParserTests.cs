// PathParser (RFC 5321 §4.1.2 paths, §4.5.3.1 limits): one mailbox and one domain out of every
// path, with the routing tricks older mailers obey kept visible to the relay check.
using MailGateway.Core.Smtp;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class PathParserTests
    {
        private const string Ok = "ok";
        private const string Syntax = "syntax";
        private const string NonAscii = "non-ascii";

        private static (string Result, MailPath Path, int Next) Parse(string text, string verb, int index = 0)
        {
            bool mail = verb == "MAIL";
            int result = PathParser.TryParse(text, index, mail, !mail, out MailPath path, out int next);
            string name = result == PathParser.Ok ? Ok : result == PathParser.Syntax ? Syntax : result == PathParser.NonAscii ? NonAscii : "?";
            if (result != PathParser.Ok) Assert.Null(path);
            return (name, path, next);
        }

        [Theory]
        // Plain mailboxes; the domain is lower-cased, the local part kept as written
        [InlineData("<user@example.test>", "RCPT", "user", "example.test")]
        [InlineData("<User.Name@Example.TEST>", "RCPT", "User.Name", "example.test")]
        [InlineData("<u@localhost>", "RCPT", "u", "localhost")]
        [InlineData("<user@lo-cal.test>", "RCPT", "user", "lo-cal.test")]
        [InlineData("<user@123.test>", "RCPT", "user", "123.test")]
        [InlineData("<a!#$%&'*+-/=?^_`{|}~z@example.test>", "RCPT", "a!#$%&'*+-/=?^_`{|}~z", "example.test")]
        [InlineData("<\"john smith\"@example.test>", "RCPT", "\"john smith\"", "example.test")]
        [InlineData("<\"a\\\"b\"@example.test>", "RCPT", "\"a\\\"b\"", "example.test")]
        [InlineData("<\"a>b\"@example.test>", "RCPT", "\"a>b\"", "example.test")]
        [InlineData("<\"\"@example.test>", "RCPT", "\"\"", "example.test")]
        // Source routes are parsed and dropped (RFC 5321 §4.1.1.3, appendix C)
        [InlineData("<@a.test:user@b.test>", "RCPT", "user", "b.test")]
        [InlineData("<@a.test,@b.test:user@c.test>", "RCPT", "user", "c.test")]
        [InlineData("<@a.test:user@b.test>", "MAIL", "user", "b.test")]
        // Routing in the local part stays in the local part
        [InlineData("<user%foreign.test@local.test>", "RCPT", "user%foreign.test", "local.test")]
        [InlineData("<foreign.test!user@local.test>", "RCPT", "foreign.test!user", "local.test")]
        [InlineData("<\"user@foreign.test\"@local.test>", "RCPT", "\"user@foreign.test\"", "local.test")]
        // Bare postmaster, RCPT only (RFC 5321 §4.1.1.3)
        [InlineData("<postmaster>", "RCPT", "postmaster", null)]
        [InlineData("<PostMaster>", "RCPT", "PostMaster", null)]
        public void Path_Valid_ParsesToLocalPartAndDomain(string text, string verb, string local, string domain)
        {
            var (result, path, next) = Parse(text, verb);
            Assert.Equal(Ok, result);
            Assert.Equal(local, path.LocalPart);
            Assert.Equal(domain, path.Domain);
            Assert.False(path.IsAddressLiteral);
            Assert.Equal(text.Length, next);
        }

        [Theory]
        [InlineData("<user@[192.0.2.1]>", "[192.0.2.1]")]
        [InlineData("<user@[IPv6:2001:DB8::1]>", "[ipv6:2001:db8::1]")]
        [InlineData("<user@[anything-printable]>", "[anything-printable]")]
        public void Path_WithAddressLiteral_IsMarkedAsLiteral(string text, string domain)
        {
            var (result, path, _) = Parse(text, "RCPT");
            Assert.Equal(Ok, result);
            Assert.True(path.IsAddressLiteral);
            Assert.Equal(domain, path.Domain);
        }

        [Theory]
        [InlineData("<>", "MAIL", Ok)]
        [InlineData("<>", "RCPT", Syntax)]
        [InlineData("<postmaster>", "MAIL", Syntax)]
        [InlineData("<user>", "RCPT", Syntax)]
        [InlineData("<\"postmaster\">", "RCPT", Syntax)]
        [InlineData("user@example.test", "RCPT", Syntax)]
        [InlineData("", "RCPT", Syntax)]
        [InlineData("<", "RCPT", Syntax)]
        [InlineData("<user@example.test", "RCPT", Syntax)]
        [InlineData("<<user@example.test>>", "RCPT", Syntax)]
        [InlineData("<user@>", "RCPT", Syntax)]
        [InlineData("<@example.test>", "RCPT", Syntax)]
        [InlineData("<user@example.test.>", "RCPT", Syntax)]
        [InlineData("<user@.example.test>", "RCPT", Syntax)]
        [InlineData("<user@example..test>", "RCPT", Syntax)]
        [InlineData("<user@-example.test>", "RCPT", Syntax)]
        [InlineData("<user@example-.test>", "RCPT", Syntax)]
        [InlineData("<user@exa_mple.test>", "RCPT", Syntax)]
        [InlineData("<user@exa mple.test>", "RCPT", Syntax)]
        [InlineData("<user@local.test@foreign.test>", "RCPT", Syntax)]
        [InlineData("<user@[]>", "RCPT", Syntax)]
        [InlineData("<user@[192.0.2.1>", "RCPT", Syntax)]
        [InlineData("<user@[192.0.2.1]x>", "RCPT", Syntax)]
        [InlineData("<user@[a\\b]>", "RCPT", Syntax)]
        [InlineData("<user@[a b]>", "RCPT", Syntax)]
        [InlineData("<.user@example.test>", "RCPT", Syntax)]
        [InlineData("<user.@example.test>", "RCPT", Syntax)]
        [InlineData("<us..er@example.test>", "RCPT", Syntax)]
        [InlineData("<us er@example.test>", "RCPT", Syntax)]
        [InlineData("<us\ter@example.test>", "RCPT", Syntax)]
        [InlineData("<us(comment)er@example.test>", "RCPT", Syntax)]
        [InlineData("<\"unterminated@example.test>", "RCPT", Syntax)]
        [InlineData("<\"quoted\"tail@example.test>", "RCPT", Syntax)]
        [InlineData("<\"a\tb\"@example.test>", "RCPT", Syntax)]
        [InlineData("<@:user@example.test>", "RCPT", Syntax)]
        [InlineData("<@a.test user@example.test>", "RCPT", Syntax)]
        [InlineData("<@a.test,user@example.test>", "RCPT", Syntax)]
        [InlineData("<@a.test.:user@example.test>", "RCPT", Syntax)]
        [InlineData("<usér@example.test>", "RCPT", NonAscii)]
        [InlineData("<user@exämple.test>", "RCPT", NonAscii)]
        [InlineData("<user@example.test\u007f>", "RCPT", NonAscii)]
        [InlineData("<user@example.test> X=é", "MAIL", NonAscii)]
        public void Path_Invalid_IsRefused(string text, string verb, string expected)
        {
            Assert.Equal(expected, Parse(text, verb).Result);
        }

        [Fact]
        public void Path_StartsAtTheIndex_AndNextPointsAfterTheBracket()
        {
            var (result, path, next) = Parse("TO:<user@example.test> NOTIFY=NEVER", "RCPT", 3);
            Assert.Equal(Ok, result);
            Assert.Equal("user@example.test", path.Address);
            Assert.Equal("TO:<user@example.test>".Length, next);
        }

        // ---- Lengths (RFC 5321 §4.5.3.1) -------------------------------------------------------

        [Theory]
        [InlineData(1, Ok)]
        [InlineData(64, Ok)]
        [InlineData(65, Syntax)]
        [InlineData(200, Syntax)]
        public void LocalPart_UpTo64Octets_IsAccepted(int length, string expected)
        {
            Assert.Equal(expected, Parse("<" + new string('l', length) + "@example.test>", "RCPT").Result);
        }

        [Fact]
        public void LocalPart_Quoted_CountsItsQuotes()
        {
            Assert.Equal(Ok, Parse("<\"" + new string('q', 62) + "\"@example.test>", "RCPT").Result);
            Assert.Equal(Syntax, Parse("<\"" + new string('q', 63) + "\"@example.test>", "RCPT").Result);
        }

        // Labels of 63 octets joined by dots, exactly `length` long.
        private static string DomainOf(int length)
        {
            var labels = new List<string>();
            int left = length;
            while (left > 0)
            {
                int label = Math.Min(63, left);
                if (left - label == 1) label--;      // never leave a 0-octet last label
                labels.Add(new string((char)('a' + labels.Count), label));
                left -= label + 1;                    // the label and the dot after it
            }
            string domain = string.Join(".", labels);
            Assert.Equal(length, domain.Length);
            return domain;
        }

        [Theory]
        [InlineData(1, true)]
        [InlineData(253, true)]
        [InlineData(255, true)]
        [InlineData(256, false)]
        [InlineData(1000, false)]
        public void Domain_UpTo255Octets_IsADomain(int length, bool expected)
        {
            Assert.Equal(expected, PathParser.IsDomain(DomainOf(length)));
        }

        [Theory]
        [InlineData(63, true)]
        [InlineData(64, false)]
        public void DomainLabel_UpTo63Octets_IsAccepted(int length, bool expected)
        {
            Assert.Equal(expected, PathParser.IsDomain(new string('x', length) + ".test"));
            Assert.Equal(expected ? Ok : Syntax, Parse("<u@" + new string('x', length) + ".test>", "RCPT").Result);
        }

        [Theory]
        [InlineData("")]
        [InlineData(".")]
        [InlineData("example.test.")]
        [InlineData(".example.test")]
        [InlineData("a..b")]
        [InlineData("-a.test")]
        [InlineData("a-.test")]
        [InlineData("a_b.test")]
        [InlineData("[192.0.2.1]")]
        public void Domain_Malformed_IsNotADomain(string domain)
        {
            Assert.False(PathParser.IsDomain(domain));
        }

        // RFC 5321 §4.5.3.1.3 counts 256 octets for the whole path; the parser allows 256 between
        // the brackets, so every path the RFC allows is taken (a server may accept longer ones).
        [Theory]
        [InlineData(256, Ok)]
        [InlineData(257, Syntax)]
        public void Path_UpTo256OctetsBetweenTheBrackets_IsAccepted(int length, string expected)
        {
            string local = new string('l', 64);
            string path = "<" + local + "@" + DomainOf(length - 65) + ">";
            Assert.Equal(expected, Parse(path, "RCPT").Result);
        }

        // ---- MailPath --------------------------------------------------------------------------

        [Theory]
        [InlineData("<user@example.test>", false, false, false, "user@example.test")]
        [InlineData("<postmaster>", false, true, false, "postmaster")]
        [InlineData("<user%x.test@example.test>", false, false, true, "user%x.test@example.test")]
        [InlineData("<x.test!user@example.test>", false, false, true, "x.test!user@example.test")]
        [InlineData("<\"user@x.test\"@example.test>", false, false, true, "\"user@x.test\"@example.test")]
        [InlineData("<\"john smith\"@example.test>", false, false, false, "\"john smith\"@example.test")]
        public void MailPath_Properties(string text, bool isNull, bool barePostmaster, bool routing, string address)
        {
            var path = Parse(text, "RCPT").Path;
            Assert.Equal(isNull, path.IsNull);
            Assert.Equal(barePostmaster, path.IsBarePostmaster);
            Assert.Equal(routing, path.HasRoutingInLocalPart);
            Assert.Equal(address, path.Address);
            Assert.Equal("<" + address + ">", path.ToString());
        }

        [Fact]
        public void MailPath_Null_IsTheEmptyReversePath()
        {
            var path = Parse("<>", "MAIL").Path;
            Assert.Same(MailPath.Null, path);
            Assert.True(path.IsNull);
            Assert.False(path.IsBarePostmaster);
            Assert.Equal("<>", path.ToString());
        }
    }
}
