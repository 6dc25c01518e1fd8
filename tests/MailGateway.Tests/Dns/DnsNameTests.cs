// DnsName: names on the wire (RFC 1035 §3.1, §4.1.4 compression) and as text. Reading follows
// compression pointers only backwards, bounds their number, and limits labels to 63 and names to
// 255 octets; writing accepts plain host names only.
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public class DnsNameTests
    {
        private static (DnsParseError Error, string Name, int Index) Read(byte[] msg, int index)
        {
            int at = index;
            DnsParseError error = DnsName.TryRead(msg, 0, msg.Length, ref at, out string name);
            return (error, name, at);
        }

        [Theory]
        [InlineData("mx.example.org", "mx.example.org")]
        [InlineData("a", "a")]
        [InlineData("", "")]
        [InlineData("MX.Example.ORG", "MX.Example.ORG")]
        [InlineData("xn--bcher-kva.example", "xn--bcher-kva.example")]
        [InlineData("_dmarc.example.org", "_dmarc.example.org")]
        public void Read_PlainLabels_GivesTheTextWithoutTrailingDot(string written, string text)
        {
            byte[] msg = new Wire().Name(written).U8(0xEE).ToArray();
            var (error, name, index) = Read(msg, 0);
            Assert.Equal(DnsParseError.None, error);
            Assert.Equal(text, name);
            Assert.Equal(msg.Length - 1, index); // the trailing byte stays unread
        }

        [Fact]
        public void Read_CompressedName_JoinsLabelsAndTheSuffixItPointsTo()
        {
            var w = new Wire().Name("example.org"); // at 0
            int second = w.Position;
            w.Labels("mx1").Pointer(0); // mx1.example.org
            int third = w.Position;
            w.Labels("a.b").Pointer(second); // a.b.mx1.example.org (a chain of two pointers)
            int fourth = w.Position;
            w.Pointer(third).U8(0xEE); // just a pointer
            byte[] msg = w.ToArray();

            Assert.Equal(("mx1.example.org", third), (Read(msg, second).Name, Read(msg, second).Index));
            Assert.Equal(("a.b.mx1.example.org", fourth), (Read(msg, third).Name, Read(msg, third).Index));
            var (error, name, index) = Read(msg, fourth);
            Assert.Equal(DnsParseError.None, error);
            Assert.Equal("a.b.mx1.example.org", name);
            Assert.Equal(fourth + 2, index); // a pointer ends the name as stored
        }

        public static TheoryData<string, byte[], int, DnsParseError> BrokenNames => new()
        {
            { "pointer to itself", new Wire().Pointer(0).ToArray(), 0, DnsParseError.BadPointer },
            { "pointer forwards", new Wire().Pointer(2).Name("a").ToArray(), 0, DnsParseError.BadPointer },
            { "label then pointer back to the label (loop)", new Wire().Labels("a").Pointer(0).ToArray(), 0, DnsParseError.BadPointer },
            { "two pointers pointing at each other", new Wire().Labels("x").Pointer(4).Labels("y").Pointer(0).ToArray(), 4, DnsParseError.BadPointer },
            { "pointer past the end", new Wire().Bytes(1, (byte)'a', 0).Pointer(0x3FFF).ToArray(), 3, DnsParseError.BadPointer },
            { "pointer cut in half", new Wire().Name("a").U8(0xC0).ToArray(), 3, DnsParseError.UnexpectedEnd },
            { "label runs past the end", new Wire().Bytes(5, (byte)'a', (byte)'b').ToArray(), 0, DnsParseError.UnexpectedEnd },
            { "no root label", new Wire().Labels("example").ToArray(), 0, DnsParseError.UnexpectedEnd },
            { "empty input", new byte[0], 0, DnsParseError.UnexpectedEnd },
            { "label of 64 (type bits 01)", new Wire().U8(64).Bytes(new byte[64]).U8(0).ToArray(), 0, DnsParseError.BadLabelType },
            { "label type bits 10", new Wire().U8(0x80).U8(0).ToArray(), 0, DnsParseError.BadLabelType },
            { "name of 256 octets", new Wire().Labels(Labels(63, 63, 63, 62)).U8(0).ToArray(), 0, DnsParseError.NameTooLong },
            { "name over 255 octets through pointers", LongNameThroughPointers(), -1, DnsParseError.NameTooLong },
        };

        [Theory]
        [MemberData(nameof(BrokenNames))]
        public void Read_BrokenName_IsAnErrorValue(string what, byte[] msg, int index, DnsParseError expected)
        {
            if (index < 0) index = msg.Length - 2;
            Assert.True(expected == Read(msg, index).Error, what);
        }

        [Fact]
        public void Read_NameOfExactly255Octets_IsAccepted()
        {
            string name = Labels(63, 63, 63, 61); // 64 + 64 + 64 + 62 + root = 255
            var (error, text, _) = Read(new Wire().Name(name).ToArray(), 0);
            Assert.Equal(DnsParseError.None, error);
            Assert.Equal(name, text);
        }

        [Fact]
        public void Read_LongChainOfPointers_StopsAtTheBound()
        {
            // Each pointer points at the one before it: strictly backwards, so no loop, but longer
            // than any encoder writes.
            var w = new Wire().Name("a");
            var positions = new List<int> { 0 };
            for (int i = 0; i < DnsName.MaxPointers + 1; i++)
            {
                positions.Add(w.Position);
                w.Pointer(positions[^2]);
            }
            byte[] msg = w.ToArray();
            Assert.Equal(DnsParseError.TooManyPointers, Read(msg, positions[^1]).Error);
            Assert.Equal(DnsParseError.None, Read(msg, positions[DnsName.MaxPointers]).Error);
        }

        [Theory]
        [InlineData(new byte[] { 3, (byte)'a', (byte)'.', (byte)'b', 0 }, "a\\.b")]
        [InlineData(new byte[] { 2, (byte)'a', (byte)'\\', 0 }, "a\\\\")]
        [InlineData(new byte[] { 3, (byte)'a', 0, (byte)'b', 0 }, "a\\000b")]
        [InlineData(new byte[] { 2, (byte)' ', 0xFF, 0 }, "\\032\\255")]
        [InlineData(new byte[] { 1, (byte)'a', 1, 0x7F, 0 }, "a.\\127")]
        public void Read_OddBytesInLabels_AreEscaped_SoOneLabelNeverReadsAsTwo(byte[] msg, string text)
        {
            var (error, name, _) = Read(msg, 0);
            Assert.Equal(DnsParseError.None, error);
            Assert.Equal(text, name);
            Assert.False(DnsName.IsWritableHost(name));
        }

        [Theory]
        [InlineData("example.org", 13)]
        [InlineData("example.org.", 13)]
        [InlineData("a", 3)]
        [InlineData("", 1)]
        [InlineData(".", 1)]
        [InlineData("a..b", -1)]
        [InlineData(".a", -1)]
        [InlineData("a.b..", -1)]
        [InlineData("..", -1)]
        [InlineData("a b.example", -1)]
        [InlineData("a\\.b.example", -1)]
        [InlineData("bücher.example", -1)]
        [InlineData("tab\t.example", -1)]
        [InlineData("[192.0.2.1]", -1)]
        [InlineData("*.example", -1)]
        [InlineData("a/b.example", -1)]
        [InlineData("_25._tcp.mx.example", 21)]
        public void WireLength_AcceptsPlainHostNamesOnly(string name, int length)
        {
            Assert.Equal(length, DnsName.WireLength(name));
        }

        [Fact]
        public void WireLength_RefusesLabelsOver63AndNamesOver255()
        {
            Assert.Equal(65, DnsName.WireLength(new string('a', 63)));
            Assert.Equal(-1, DnsName.WireLength(new string('a', 64)));
            Assert.Equal(255, DnsName.WireLength(Labels(63, 63, 63, 61)));
            Assert.Equal(-1, DnsName.WireLength(Labels(63, 63, 63, 62)));
            Assert.Equal(-1, DnsName.WireLength(null));
        }

        [Theory]
        [InlineData("mx.example.org")]
        [InlineData("mx.example.org.")]
        [InlineData("A-1.b_2.c")]
        [InlineData("")]
        public void Write_ThenRead_GivesTheNameBack(string name)
        {
            byte[] buffer = new byte[300];
            int n = DnsName.Write(name, buffer, 5);
            Assert.Equal(DnsName.WireLength(name), n);
            int index = 5;
            Assert.Equal(DnsParseError.None, DnsName.TryRead(buffer, 0, 5 + n, ref index, out string back));
            Assert.Equal(DnsName.WithoutTrailingDot(name), back);
            Assert.Equal(5 + n, index);
        }

        [Theory]
        [InlineData("example.org", "EXAMPLE.org", true)]
        [InlineData("example.org.", "example.org", true)]
        [InlineData("example.org", "example.net", false)]
        [InlineData("", ".", true)]
        public void Equal_IgnoresAsciiCaseAndATrailingDot(string a, string b, bool equal)
        {
            Assert.Equal(equal, DnsName.Equal(a, b));
        }

        private static string Labels(params int[] lengths)
            => string.Join(".", lengths.Select((n, i) => new string((char)('a' + i), n)));

        // 63-octet labels, each a name ending in a pointer to the one before: after four the name passes 255.
        private static byte[] LongNameThroughPointers()
        {
            var w = new Wire().Name(new string('a', 63));
            int previous = 0;
            for (int i = 0; i < 4; i++)
            {
                int here = w.Position;
                w.Labels(new string((char)('b' + i), 63)).Pointer(previous);
                previous = here;
            }
            w.Pointer(previous);
            return w.ToArray();
        }
    }
}
