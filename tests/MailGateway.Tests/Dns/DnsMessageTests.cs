// DnsMessage: queries written byte for byte (RFC 1035 §4.1, RFC 6891 §6.1.2 for the OPT record),
// responses read into values, and every broken or hostile message read into an error value —
// never an exception (cuts at every byte, wrong counts, bad record data, seeded garbage).
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public class DnsMessageTests
    {
        private static string Hex(byte[] bytes, int count) => Convert.ToHexStringLower(bytes, 0, count);

        [Fact]
        public void WriteQuery_WithoutEdns_IsHeaderAndOneQuestionWithRecursionDesired()
        {
            byte[] buffer = new byte[DnsMessage.MaxQueryBytes];
            int n = DnsMessage.WriteQuery(buffer, 0, 0xBEEF, "example.org", DnsType.MX, 0);
            Assert.Equal(
                "beef" + "0100" + "0001" + "0000" + "0000" + "0000" +
                "076578616d706c65" + "036f7267" + "00" + "000f" + "0001",
                Hex(buffer, n));
        }

        [Fact]
        public void WriteQuery_WithEdns_AddsAnOptRecordAdvertising1232Bytes()
        {
            byte[] buffer = new byte[DnsMessage.MaxQueryBytes];
            int n = DnsMessage.WriteQuery(buffer, 0, 0x0102, "a.test.", DnsType.AAAA, DnsMessage.DefaultUdpPayloadBytes);
            Assert.Equal(
                "0102" + "0100" + "0001" + "0000" + "0000" + "0001" +
                "0161" + "0474657374" + "00" + "001c" + "0001" +
                // OPT: root owner, type 41, class = UDP payload size 1232, TTL 0 (version 0, DO clear), RDLENGTH 0
                "00" + "0029" + "04d0" + "00000000" + "0000",
                Hex(buffer, n));
        }

        [Fact]
        public void WriteQuery_ReadsBackAsAQuestion()
        {
            byte[] buffer = new byte[DnsMessage.MaxQueryBytes + 10];
            int n = DnsMessage.WriteQuery(buffer, 10, 4242, "mx.example.org", DnsType.A, 1232);
            DnsMessage m = DnsMessage.Parse(buffer, 10, n);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(4242, m.Id);
            Assert.False(m.IsResponse);
            Assert.Equal(0, m.Opcode);
            Assert.Equal(1, m.QuestionCount);
            Assert.Equal(("mx.example.org", DnsType.A, DnsType.ClassIN), (m.QuestionName, m.QuestionType, m.QuestionClass));
            Assert.Equal(1, m.AdditionalCount);
        }

        [Theory]
        [InlineData("a..b")]
        [InlineData("bad name.example")]
        [InlineData("escaped\\046dot.example")]
        public void WriteQuery_NameThatCannotBeAsked_WritesNothing(string name)
        {
            Assert.Equal(-1, DnsMessage.WriteQuery(new byte[DnsMessage.MaxQueryBytes], 0, 1, name, DnsType.A, 0));
        }

        [Fact]
        public void WriteQuery_IntoTooSmallABuffer_IsACallerBug()
        {
            Assert.Throws<ArgumentException>(() => DnsMessage.WriteQuery(new byte[100], 0, 1, "example.org", DnsType.A, 0));
        }

        // A response to example.org MX with compression everywhere it is usual.
        internal static byte[] MxAnswer(bool withOpt = false)
        {
            var w = new Wire().ResponseHeader(0x1234, 0, 1, 3, 1, withOpt ? 2 : 1);
            int question = w.Position;
            w.Question("example.org", DnsType.MX);
            w.Record(x => x.Pointer(question), DnsType.MX, x => x.U16(10).Labels("mx1").Pointer(question));
            w.Record(x => x.Pointer(question), DnsType.MX, x => x.U16(20).Labels("mx2").Pointer(question));
            w.Record(x => x.Labels("www").Pointer(question), DnsType.CNAME, x => x.Pointer(question));
            w.Record(x => x.Pointer(question), DnsType.SOA, x => x.Labels("ns").Pointer(question).Labels("hostmaster").Pointer(question).U32(1).U32(2).U32(3).U32(4).U32(5));
            w.Record(x => x.Labels("mx1").Pointer(question), DnsType.A, x => x.Bytes(192, 0, 2, 1));
            if (withOpt) w.Record(x => x.U8(0), DnsType.OPT, x => { }, ttl: 0, rclass: 1232);
            return w.ToArray();
        }

        [Fact]
        public void Parse_MxAnswerWithCompression_ReadsHeaderQuestionAndRecords()
        {
            DnsMessage m = DnsMessage.Parse(MxAnswer(), 0, MxAnswer().Length);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(0x1234, m.Id);
            Assert.True(m.IsResponse);
            Assert.False(m.Truncated);
            Assert.Equal(0, m.Rcode);
            Assert.Equal(("example.org", DnsType.MX), (m.QuestionName, m.QuestionType));
            Assert.Equal(
                new[] { "example.org MX 10 mx1.example.org", "example.org MX 20 mx2.example.org", "www.example.org CNAME example.org" },
                m.Answers.Select(r => r.ToString()));
            Assert.Empty(m.Authorities); // the SOA is skipped
            Assert.Equal(300, m.Answers[0].TtlSeconds);
        }

        [Fact]
        public void Parse_MessageInsideALargerBuffer_CountsPointersFromItsStart()
        {
            byte[] answer = MxAnswer();
            byte[] buffer = new byte[answer.Length + 40];
            answer.CopyTo(buffer, 17);
            DnsMessage m = DnsMessage.Parse(buffer, 17, answer.Length);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal("mx2.example.org", m.Answers[1].Target);
        }

        [Fact]
        public void Parse_AddressRecords_GiveAddressText()
        {
            byte[] msg = Wire.Answer(7, "h.example", DnsType.A, 0, 3, w => w
                .A("h.example", "192.0.2.33")
                .Aaaa("h.example", "2001:db8::21")
                .Aaaa("h.example", "::ffff:192.0.2.1"));
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(new[] { "192.0.2.33", "2001:db8::21", "::ffff:192.0.2.1" }, m.Answers.Select(r => r.Address));
            Assert.Equal(new[] { DnsType.A, DnsType.AAAA, DnsType.AAAA }, m.Answers.Select(r => r.Type));
        }

        [Fact]
        public void Parse_OtherTypesAndClasses_AreSkipped()
        {
            byte[] msg = Wire.Answer(7, "example.org", DnsType.MX, 0, 4, w => w
                .Record("example.org", 16, x => x.U8(5).Bytes("hello"u8.ToArray())) // TXT
                .Record("example.org", DnsType.MX, x => x.U16(5).Name("chaos.example"), rclass: 3) // class CH
                .Record("example.org", 65280, x => x.Bytes(1, 2, 3)) // private-use type
                .Mx("example.org", 5, "mx.example.org"));
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(new[] { "example.org MX 5 mx.example.org" }, m.Answers.Select(r => r.ToString()));
        }

        [Fact]
        public void Parse_AuthoritySection_KeepsItsAddressRecords()
        {
            var w = new Wire().ResponseHeader(9, 0, 1, 0, 1).Question("example.org", DnsType.MX).A("ns.example.org", "192.0.2.53");
            DnsMessage m = DnsMessage.Parse(w.ToArray(), 0, w.Position);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Empty(m.Answers);
            Assert.Equal("ns.example.org A 192.0.2.53", Assert.Single(m.Authorities).ToString());
        }

        [Fact]
        public void Parse_NullMx_HasTheRootAsExchange()
        {
            byte[] msg = Wire.Answer(1, "example.org", DnsType.MX, 0, 1, w => w.Mx("example.org", 0, ""));
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal("", m.Answers[0].Target);
            Assert.Equal("example.org MX 0 .", m.Answers[0].ToString());
        }

        [Fact]
        public void Parse_TtlWithTheTopBitSet_IsZero()
        {
            byte[] msg = Wire.Answer(1, "h.example", DnsType.A, 0, 1, w => w.Record("h.example", DnsType.A, x => x.Bytes(192, 0, 2, 1), ttl: 0x80000000));
            Assert.Equal(0, DnsMessage.Parse(msg, 0, msg.Length).Answers[0].TtlSeconds);
        }

        [Theory]
        [InlineData(0, 0)]
        [InlineData(2, 2)]
        [InlineData(3, 3)]
        [InlineData(5, 5)]
        public void Parse_Rcode_IsReadFromTheHeader(int rcode, int expected)
        {
            byte[] msg = Wire.Answer(1, "example.org", DnsType.MX, rcode, 0, null);
            Assert.Equal(expected, DnsMessage.Parse(msg, 0, msg.Length).Rcode);
        }

        [Fact]
        public void Parse_TruncatedMessage_IsReadUpToItsQuestionOnly()
        {
            byte[] msg = new Wire().ResponseHeader(5, 0, 1, 9, truncated: true).Question("example.org", DnsType.MX).Bytes(0xC0, 0xFF, 0x01).ToArray();
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.True(m.Truncated);
            Assert.Equal("example.org", m.QuestionName);
            Assert.Empty(m.Answers);
        }

        public static TheoryData<string, byte[], DnsParseError> BrokenMessages => new()
        {
            { "empty", new byte[0], DnsParseError.ShortHeader },
            { "11 bytes", new byte[11], DnsParseError.ShortHeader },
            { "question count too high", new Wire().ResponseHeader(1, 0, 2, 0).Question("a.example", DnsType.A).ToArray(), DnsParseError.UnexpectedEnd },
            { "answer count too high", Wire.Answer(1, "a.example", DnsType.A, 0, 2, w => w.A("a.example", "192.0.2.1")), DnsParseError.UnexpectedEnd },
            { "authority count too high", new Wire().ResponseHeader(1, 0, 1, 0, 1).Question("a.example", DnsType.A).ToArray(), DnsParseError.UnexpectedEnd },
            { "additional count too high", new Wire().ResponseHeader(1, 0, 1, 0, 0, 1).Question("a.example", DnsType.A).ToArray(), DnsParseError.UnexpectedEnd },
            { "counts of 65535", new Wire().Header(1, 0x8180, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF).ToArray(), DnsParseError.UnexpectedEnd },
            { "question without type and class", new Wire().ResponseHeader(1, 0, 1, 0).Name("a.example").U16(1).ToArray(), DnsParseError.UnexpectedEnd },
            { "record header cut", Wire.Answer(1, "a.example", DnsType.A, 0, 1, w => w.Name("a.example").U16(1).U16(1).U32(0)), DnsParseError.UnexpectedEnd },
            { "RDLENGTH past the end", Wire.Answer(1, "a.example", DnsType.A, 0, 1, w => w.Name("a.example").U16(1).U16(1).U32(0).U16(4).Bytes(1, 2)), DnsParseError.UnexpectedEnd },
            { "A of 5 bytes", Wire.Answer(1, "a.example", DnsType.A, 0, 1, w => w.Record("a.example", DnsType.A, x => x.Bytes(1, 2, 3, 4, 5))), DnsParseError.BadRecordData },
            { "A of 3 bytes", Wire.Answer(1, "a.example", DnsType.A, 0, 1, w => w.Record("a.example", DnsType.A, x => x.Bytes(1, 2, 3))), DnsParseError.BadRecordData },
            { "AAAA of 4 bytes", Wire.Answer(1, "a.example", DnsType.AAAA, 0, 1, w => w.Record("a.example", DnsType.AAAA, x => x.Bytes(1, 2, 3, 4))), DnsParseError.BadRecordData },
            { "MX of 2 bytes", Wire.Answer(1, "a.example", DnsType.MX, 0, 1, w => w.Record("a.example", DnsType.MX, x => x.U16(10))), DnsParseError.BadRecordData },
            { "MX exchange overrunning RDATA", Wire.Answer(1, "a.example", DnsType.MX, 0, 1, w => w.Name("a.example").U16(DnsType.MX).U16(1).U32(0).U16(5).U16(10).Name("mx.example")), DnsParseError.BadRecordData },
            { "CNAME with bytes after the name", Wire.Answer(1, "a.example", DnsType.A, 0, 1, w => w.Record("a.example", DnsType.CNAME, x => x.Name("b.example").U8(7))), DnsParseError.BadRecordData },
            { "owner with a pointer loop", Wire.Answer(1, "a.example", DnsType.A, 0, 1, w => w.Labels("x").Pointer(w.Position - 2).U16(1).U16(1).U32(0).U16(4).Bytes(1, 2, 3, 4)), DnsParseError.BadPointer },
            { "MX exchange pointing forwards", Wire.Answer(1, "a.example", DnsType.MX, 0, 1, w => w.Record("a.example", DnsType.MX, x => x.U16(1).Pointer(x.Position + 2).Name("b"))), DnsParseError.BadPointer },
            { "label of 64 in the question", new Wire().ResponseHeader(1, 0, 1, 0).U8(64).Bytes(new byte[64]).U8(0).U16(1).U16(1).ToArray(), DnsParseError.BadLabelType },
            { "18 CNAMEs", Wire.Answer(1, "a.example", DnsType.A, 0, 18, w => { for (int i = 0; i < 18; i++) w.Cname("c" + i + ".example", "c" + (i + 1) + ".example"); }), DnsParseError.TooManyRecords },
        };

        [Theory]
        [MemberData(nameof(BrokenMessages))]
        public void Parse_BrokenMessage_IsAnErrorValue(string what, byte[] msg, DnsParseError expected)
        {
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
            Assert.True(expected == m.Error, what + ": " + m.Error);
        }

        // ---- Long answers: kept within a bound, the best ones, never an error ----

        /// <summary>An MX answer for example.org with the given preferences, in this order; exchange i is "mx{i}.example.org".</summary>
        private static byte[] MxAnswerOf(int[] preferences, string owner = "example.org", Action<Wire> before = null, int extra = 0)
            => Wire.Answer(1, "example.org", DnsType.MX, 0, preferences.Length + extra, w =>
            {
                before?.Invoke(w);
                for (int i = 0; i < preferences.Length; i++) w.Mx(owner, preferences[i], "mx" + i + ".example.org");
            });

        /// <summary>What a bound of limit must keep: the lowest preferences, the earlier of equals, in answer order.</summary>
        private static string[] BestOf(int[] preferences, int limit)
            => preferences.Select((p, i) => (p, i)).OrderBy(x => x.p).ThenBy(x => x.i).Take(limit).OrderBy(x => x.i)
                .Select(x => "example.org MX " + x.p + " mx" + x.i + ".example.org").ToArray();

        [Theory]
        [InlineData(200, 16, 1)]
        [InlineData(200, 16, 2)]
        [InlineData(200, 1, 3)]
        [InlineData(15, 16, 4)]
        [InlineData(16, 16, 5)]
        [InlineData(17, 16, 6)]
        [InlineData(20, 10, 7)]
        public void Parse_MxAnswerLongerThanTheBound_KeepsTheLowestPreferencesInAnswerOrder(int count, int limit, int seed)
        {
            var random = new Random(seed);
            int[] preferences = Enumerable.Range(0, count).Select(_ => random.Next(0, 40) * 5).ToArray(); // ties on purpose
            byte[] msg = MxAnswerOf(preferences);
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length, limit);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(count, m.AnswerCount);
            Assert.Equal(BestOf(preferences, limit), m.Answers.Select(r => r.ToString()));
        }

        [Theory]
        [InlineData(16)]
        [InlineData(17)]
        [InlineData(200)]
        public void Parse_MxRecordsOfOnePreference_BeyondTheBound_KeepTheFirstOnes(int count)
        {
            byte[] msg = MxAnswerOf(Enumerable.Repeat(10, count).ToArray());
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length, 16);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(Enumerable.Range(0, Math.Min(count, 16)).Select(i => "mx" + i + ".example.org"), m.Answers.Select(r => r.Target));
        }

        [Fact]
        public void Parse_TheBestMxAtTheVeryEnd_StillGetsIn()
        {
            int[] preferences = Enumerable.Range(0, 199).Select(i => 100 + i).Append(1).ToArray();
            byte[] msg = MxAnswerOf(preferences);
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length, 16);
            Assert.Equal(16, m.Answers.Length);
            Assert.Equal("example.org MX 1 mx199.example.org", m.Answers[^1].ToString());
            Assert.Equal(Enumerable.Range(100, 15), m.Answers.Take(15).Select(r => r.Preference));
        }

        [Theory]
        [InlineData(DnsType.A, 200, 16)]
        [InlineData(DnsType.AAAA, 200, 16)]
        [InlineData(DnsType.A, 16, 16)]
        [InlineData(DnsType.A, 17, 16)]
        [InlineData(DnsType.AAAA, 11, 10)]
        public void Parse_AddressAnswerLongerThanTheBound_KeepsTheFirstAddresses(int type, int count, int limit)
        {
            string Address(int i) => type == DnsType.A ? "192.0." + (i / 250) + "." + (i % 250 + 1) : "2001:db8::" + (i + 1).ToString("x");
            byte[] msg = Wire.Answer(1, "h.example", type, 0, count, w =>
            {
                for (int i = 0; i < count; i++)
                {
                    if (type == DnsType.A) w.A("h.example", Address(i));
                    else w.Aaaa("h.example", Address(i));
                }
            });
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length, limit);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(Enumerable.Range(0, Math.Min(count, limit)).Select(Address), m.Answers.Select(r => r.Address));
        }

        [Fact]
        public void Parse_WithoutABound_KeepsDefaultKeptRecords()
        {
            int[] preferences = Enumerable.Range(0, 200).Select(i => 1000 - i).ToArray();
            byte[] msg = MxAnswerOf(preferences);
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
            Assert.Equal(BestOf(preferences, DnsMessage.DefaultKeptRecords), m.Answers.Select(r => r.ToString()));
        }

        [Fact]
        public void Parse_RecordsOfTheAskedType_PushOutRecordsOfOtherTypes()
        {
            // 20 stray A records first, then the MX records that were asked for.
            byte[] msg = MxAnswerOf(new[] { 30, 10, 20 }, before: w => { for (int i = 0; i < 20; i++) w.A("example.org", "192.0.2." + (i + 1)); }, extra: 20);
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length, 16);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(16, m.Answers.Length);
            Assert.Equal(new[] { 30, 10, 20 }, m.Answers.Where(r => r.Type == DnsType.MX).Select(r => r.Preference));
            Assert.Equal(Enumerable.Range(1, 13).Select(i => "192.0.2." + i), m.Answers.Where(r => r.Type == DnsType.A).Select(r => r.Address));
        }

        [Fact]
        public void Parse_CnameChainBeforeALongMxList_KeepsTheChainAndTheBestMx()
        {
            var random = new Random(11);
            int[] preferences = Enumerable.Range(0, 200).Select(_ => random.Next(0, 1000)).ToArray();
            byte[] msg = Wire.Answer(1, "alias.example", DnsType.MX, 0, 202, w =>
            {
                w.Cname("alias.example", "middle.example").Cname("middle.example", "example.org");
                for (int i = 0; i < preferences.Length; i++) w.Mx("example.org", preferences[i], "mx" + i + ".example.org");
            });
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length, 16);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(18, m.Answers.Length);
            DnsResult result = DnsResult.FromAnswer("alias.example", DnsType.MX, 0, m.Answers, null);
            Assert.Equal((DnsStatus.Ok, "example.org"), (result.Status, result.CanonicalName));
            Assert.Equal(BestOf(preferences, 16), result.Records.Select(r => r.ToString()));
        }

        [Fact]
        public void Parse_RecordsThatDoNotMakeTheCut_AreStillChecked()
        {
            // The 17th record ranks worse than all kept ones, and its RDATA is broken.
            byte[] msg = Wire.Answer(1, "example.org", DnsType.MX, 0, 17, w =>
            {
                for (int i = 0; i < 16; i++) w.Mx("example.org", 10, "mx" + i + ".example.org");
                w.Record("example.org", DnsType.MX, x => x.U16(50).Name("mx.example").U8(7));
            });
            Assert.Equal(DnsParseError.BadRecordData, DnsMessage.Parse(msg, 0, msg.Length, 16).Error);
        }

        [Fact]
        public void Parse_SeventeenCnames_AreKept()
        {
            byte[] msg = Wire.Answer(1, "c0.example", DnsType.A, 0, 17, w => { for (int i = 0; i < 17; i++) w.Cname("c" + i + ".example", "c" + (i + 1) + ".example"); });
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length, 1);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal(DnsMessage.MaxKeptAliases, m.Answers.Length);
        }

        [Fact]
        public void Parse_CountsTooLow_ReadsWhatTheyPromiseAndIgnoresTheRest()
        {
            byte[] msg = Wire.Answer(1, "a.example", DnsType.A, 0, 1, w => w.A("a.example", "192.0.2.1").A("a.example", "192.0.2.2").Bytes(0xFF, 0xFF));
            DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
            Assert.Equal(DnsParseError.None, m.Error);
            Assert.Equal("192.0.2.1", Assert.Single(m.Answers).Address);
        }

        [Fact]
        public void Parse_EveryCutOfAValidAnswer_IsAnErrorValue()
        {
            byte[] full = MxAnswer(withOpt: true);
            Assert.Equal(DnsParseError.None, DnsMessage.Parse(full, 0, full.Length).Error);
            for (int cut = 0; cut < full.Length; cut++)
            {
                DnsMessage m = DnsMessage.Parse(full, 0, cut);
                Assert.True(m.Error != DnsParseError.None, "a cut at " + cut + " of " + full.Length + " bytes parsed");
                Assert.NotEqual(DnsParseError.Internal, m.Error);
            }
        }

        [Theory]
        [InlineData(null, 0, 0)]
        [InlineData(new byte[] { 1, 2 }, -1, 1)]
        [InlineData(new byte[] { 1, 2 }, 1, 5)]
        [InlineData(new byte[] { 1, 2 }, 0, -1)]
        public void Parse_OutOfRangeArguments_AreAnErrorValueToo(byte[] msg, int offset, int count)
        {
            Assert.Equal(DnsParseError.ShortHeader, DnsMessage.Parse(msg, offset, count).Error);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Parse_RandomGarbage_NeverThrows(int seed)
        {
            var random = new Random(seed);
            for (int i = 0; i < 5000; i++)
            {
                byte[] msg = new byte[random.Next(0, 300)];
                random.NextBytes(msg);
                if (msg.Length > 5 && random.Next(2) == 0)
                {
                    // Small counts make the garbage reach the name and record readers more often.
                    msg[4] = 0; msg[5] = (byte)random.Next(3);
                    if (msg.Length > 7) { msg[6] = 0; msg[7] = (byte)random.Next(4); }
                }
                DnsMessage m = DnsMessage.Parse(msg, 0, msg.Length);
                Assert.True(m.Error != DnsParseError.Internal, "seed " + seed + " message " + i + ": " + Convert.ToHexString(msg));
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Parse_RandomlyDamagedAnswers_NeverThrow(int seed)
        {
            var random = new Random(seed);
            byte[] good = MxAnswer(withOpt: true);
            for (int i = 0; i < 5000; i++)
            {
                byte[] msg = (byte[])good.Clone();
                int damage = random.Next(1, 4);
                for (int d = 0; d < damage; d++) msg[random.Next(msg.Length)] = (byte)random.Next(256);
                int length = random.Next(4) == 0 ? random.Next(msg.Length + 1) : msg.Length;
                DnsMessage m = DnsMessage.Parse(msg, 0, length);
                Assert.True(m.Error != DnsParseError.Internal, "seed " + seed + " message " + i + ": " + Convert.ToHexString(msg, 0, length));
                foreach (DnsRecord r in m.Answers.Concat(m.Authorities))
                {
                    Assert.NotNull(r.Name);
                    Assert.True(r.Address != null || r.Target != null);
                }
            }
        }
    }
}
