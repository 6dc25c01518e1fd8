// Spool records (Spool/RecordFormat: type, length, payload, CRC-32) written and read back on the
// device with the core's own RecordReader: a round trip of several records, a torn last record
// (a power cut mid-append) read as Damaged after the good ones, and one flipped bit caught by the
// CRC. What the card's recovery relies on, checked on the interpreter the card is used from.
using MailGateway.Core.Spool;
using MailGateway.Core.Text;
using nanoFramework.TestFramework;

namespace MailGateway.Firmware.Tests
{
    [TestClass]
    public class SpoolRecordTests
    {
        private static MemoryStorage Written(out int records)
        {
            ByteBuffer output = new ByteBuffer(4096);
            byte[] envelope = Ascii.GetBytes("sender@client.test");
            byte[] body = new byte[1000];
            for (int i = 0; i < body.Length; i++) body[i] = (byte)(i * 7);
            RecordFormat.Append(output, RecordFormat.Envelope, envelope, 0, envelope.Length);
            RecordFormat.Append(output, RecordFormat.Body, body, 0, body.Length);
            RecordFormat.Append(output, RecordFormat.End, new byte[0], 0, 0);
            records = 3;
            MemoryStorage storage = new MemoryStorage();
            int h = storage.Create("TEST.MSG");
            byte[] bytes = output.ToArray();
            storage.Append(h, bytes, 0, bytes.Length);
            storage.Close(h);
            return storage;
        }

        [TestMethod]
        public void Records_RoundTrip()
        {
            int records;
            MemoryStorage storage = Written(out records);
            RecordReader reader = new RecordReader(storage, storage.OpenRead("TEST.MSG"), new byte[RecordFormat.BufferBytes]);
            Assert.AreEqual((int)RecordFormat.Envelope, reader.Next());
            Assert.AreEqual("sender@client.test", Ascii.GetString(reader.Buffer, reader.PayloadOffset, reader.PayloadLength));
            Assert.AreEqual((int)RecordFormat.Body, reader.Next());
            Assert.AreEqual(1000, reader.PayloadLength);
            Assert.AreEqual((999 * 7) & 0xFF, (int)reader.Buffer[reader.PayloadOffset + 999]);
            Assert.AreEqual((int)RecordFormat.End, reader.Next());
            Assert.AreEqual(RecordReader.EndOfFile, reader.Next());
        }

        [TestMethod]
        public void TornLastRecord_IsDamaged_AfterTheGoodOnes()
        {
            int records;
            MemoryStorage storage = Written(out records);
            byte[] all = storage.Bytes("TEST.MSG");
            byte[] torn = new byte[all.Length - 3];
            System.Array.Copy(all, torn, torn.Length);
            storage.SetBytes("TEST.MSG", torn);
            RecordReader reader = new RecordReader(storage, storage.OpenRead("TEST.MSG"), new byte[RecordFormat.BufferBytes]);
            Assert.AreEqual((int)RecordFormat.Envelope, reader.Next());
            Assert.AreEqual((int)RecordFormat.Body, reader.Next());
            Assert.AreEqual(RecordReader.Damaged, reader.Next());
        }

        [TestMethod]
        public void FlippedBit_IsCaughtByTheCrc()
        {
            int records;
            MemoryStorage storage = Written(out records);
            byte[] all = storage.Bytes("TEST.MSG");
            all[RecordFormat.HeaderBytes + 3] ^= 0x10;      // inside the first record's payload
            RecordReader reader = new RecordReader(storage, storage.OpenRead("TEST.MSG"), new byte[RecordFormat.BufferBytes]);
            Assert.AreEqual(RecordReader.Damaged, reader.Next());
        }
    }
}
