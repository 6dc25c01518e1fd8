// DNS message codec cases from tests/MailGateway.Tests (Dns/DnsMessageTests), on the device: a
// query written byte for byte (RFC 1035 §4.1.1-§4.1.2, recursion desired), read back as a
// question, and a response cut short read into an error value, never an exception.
using MailGateway.Core.Dns;
using nanoFramework.TestFramework;

namespace MailGateway.Firmware.Tests
{
    [TestClass]
    public class DnsMessageTests
    {
        private static string Hex(byte[] bytes, int count)
        {
            string digits = "0123456789abcdef";
            char[] chars = new char[count * 2];
            for (int i = 0; i < count; i++)
            {
                chars[2 * i] = digits[bytes[i] >> 4];
                chars[2 * i + 1] = digits[bytes[i] & 15];
            }
            return new string(chars);
        }

        [TestMethod]
        public void WriteQuery_WithoutEdns_IsHeaderAndOneQuestionWithRecursionDesired()
        {
            byte[] buffer = new byte[DnsMessage.MaxQueryBytes];
            int n = DnsMessage.WriteQuery(buffer, 0, 0xBEEF, "example.org", DnsType.MX, 0);
            Assert.AreEqual("beef" + "0100" + "0001" + "0000" + "0000" + "0000" +
                            "076578616d706c65" + "036f7267" + "00" + "000f" + "0001", Hex(buffer, n));
        }

        [TestMethod]
        public void WriteQuery_ReadsBackAsAQuestion()
        {
            byte[] buffer = new byte[DnsMessage.MaxQueryBytes + 10];
            int n = DnsMessage.WriteQuery(buffer, 10, 4242, "mx.example.org", DnsType.A, 1232);
            DnsMessage m = DnsMessage.Parse(buffer, 10, n);
            Assert.AreEqual((int)DnsParseError.None, (int)m.Error);
            Assert.AreEqual(4242, m.Id);
            Assert.AreEqual(false, m.IsResponse);
            Assert.AreEqual(1, m.QuestionCount);
            Assert.AreEqual("mx.example.org", m.QuestionName);
            Assert.AreEqual(DnsType.A, m.QuestionType);
            Assert.AreEqual(1, m.AdditionalCount);
        }

        [TestMethod]
        public void Parse_CutShortAtEveryByte_IsAnErrorValue()
        {
            byte[] buffer = new byte[DnsMessage.MaxQueryBytes];
            int n = DnsMessage.WriteQuery(buffer, 0, 7, "example.org", DnsType.MX, 0);
            for (int cut = 0; cut < n; cut++)
            {
                DnsMessage m = DnsMessage.Parse(buffer, 0, cut);
                Assert.AreEqual(true, m.Error != DnsParseError.None, "cut at " + cut.ToString());
            }
        }
    }
}
