// ByteBuffer: a growable byte array with a read cursor. Checked against a plain List<byte> model
// over seeded random operations, and case by case for the encodings the spool records use.
using MailGateway.Core.Text;
using Xunit;

namespace MailGateway.Tests.Text
{
    public class ByteBufferTests
    {
        private static byte[] Bytes(string text) => System.Text.Encoding.Latin1.GetBytes(text);

        private static byte[] Contents(ByteBuffer buffer)
        {
            var bytes = new byte[buffer.Count];
            Array.Copy(buffer.Array, buffer.Start, bytes, 0, buffer.Count);
            return bytes;
        }

        [Fact]
        public void New_IsEmpty_WithAtLeast16BytesOfRoom()
        {
            var buffer = new ByteBuffer(0);
            Assert.Equal(0, buffer.Count);
            Assert.True(buffer.Array.Length >= 16);
            Assert.Empty(buffer.ToArray());
        }

        [Fact]
        public void AppendThenTake_ReturnsTheBytesInOrder_AndConsumesThem()
        {
            var buffer = new ByteBuffer(4);
            buffer.Append(Bytes("hello, "), 0, 7);
            buffer.Append("world");
            buffer.Append((byte)'!');
            Assert.Equal(13, buffer.Count);
            var destination = new byte[20];
            Assert.Equal(5, buffer.Take(destination, 3, 5));
            Assert.Equal(Bytes("hello"), destination[3..8]);
            Assert.Equal(8, buffer.Count);
            Assert.Equal((byte)',', buffer[0]);
            Assert.Equal(Bytes(", world!"), buffer.ToArray());
            Assert.Equal(8, buffer.Take(destination, 0, 100));
            Assert.Equal(0, buffer.Count);
            Assert.Equal(0, buffer.Take(destination, 0, 100));
        }

        [Fact]
        public void Indexer_IsRelativeToTheReadCursor()
        {
            var buffer = new ByteBuffer(16);
            buffer.Append("abcdef");
            buffer.Consume(2);
            Assert.Equal(2, buffer.Start);
            Assert.Equal((byte)'c', buffer[0]);
            Assert.Equal((byte)'f', buffer[3]);
        }

        [Fact]
        public void ConsumingEverything_RewindsToTheStart()
        {
            var buffer = new ByteBuffer(16);
            buffer.Append("abc");
            buffer.Consume(3);
            Assert.Equal(0, buffer.Start);
            Assert.Equal(0, buffer.Count);
            buffer.Append("x");
            buffer.Consume(10);
            Assert.Equal(0, buffer.Count);
        }

        [Fact]
        public void Append_WhenRoomIsBehindTheCursor_CompactsInsteadOfGrowing()
        {
            var buffer = new ByteBuffer(16);
            buffer.Append("0123456789abcdef");
            byte[] array = buffer.Array;
            buffer.Consume(10);
            buffer.Append("ghijklmn");
            Assert.Same(array, buffer.Array);
            Assert.Equal(Bytes("abcdefghijklmn"), buffer.ToArray());
        }

        [Fact]
        public void Append_BeyondCapacity_Grows_KeepingTheContents()
        {
            var buffer = new ByteBuffer(16);
            buffer.Append("0123456789");
            buffer.Consume(3);
            buffer.Append(new string('z', 100));
            Assert.Equal("3456789" + new string('z', 100), System.Text.Encoding.Latin1.GetString(buffer.ToArray()));
        }

        [Fact]
        public void Clear_Empties()
        {
            var buffer = new ByteBuffer(16);
            buffer.Append("abc");
            buffer.Consume(1);
            buffer.Clear();
            Assert.Equal(0, buffer.Count);
            Assert.Equal(0, buffer.Start);
        }

        [Fact]
        public void AppendString_CharAbove255_BecomesQuestionMark()
        {
            var buffer = new ByteBuffer(16);
            buffer.Append("é\u0100€");
            Assert.Equal(new byte[] { 0xE9, (byte)'?', (byte)'?' }, buffer.ToArray());
        }

        [Fact]
        public void Integers_AreLittleEndian()
        {
            var buffer = new ByteBuffer(16);
            buffer.AppendUInt32(0x01020304);
            buffer.AppendInt64(0x1122334455667788);
            buffer.AppendInt64(-2);
            Assert.Equal(new byte[]
            {
                0x04, 0x03, 0x02, 0x01,
                0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            }, buffer.ToArray());
        }

        [Theory]
        [InlineData(0)]
        [InlineData(3)]
        [InlineData(300)]
        [InlineData(65535)]
        public void String16_IsLengthPrefixedLittleEndian(int length)
        {
            var buffer = new ByteBuffer(16);
            string text = new string('s', length);
            buffer.AppendString16(text);
            var bytes = buffer.ToArray();
            Assert.Equal(length + 2, bytes.Length);
            Assert.Equal(length, bytes[0] | bytes[1] << 8);
            Assert.All(bytes.Skip(2), b => Assert.Equal((byte)'s', b));
        }

        [Fact]
        public void String16_LongerThan65535_IsCut()
        {
            var buffer = new ByteBuffer(16);
            buffer.AppendString16(new string('s', 70000));
            var bytes = buffer.ToArray();
            Assert.Equal(65537, bytes.Length);
            Assert.Equal(0xFF, bytes[0]);
            Assert.Equal(0xFF, bytes[1]);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void RandomOperations_MatchAListModel(int seed)
        {
            var random = new Random(seed);
            var buffer = new ByteBuffer(random.Next(0, 40));
            var model = new List<byte>();
            for (int step = 0; step < 5000; step++)
            {
                switch (random.Next(6))
                {
                    case 0:
                        byte b = (byte)random.Next(256);
                        buffer.Append(b);
                        model.Add(b);
                        break;
                    case 1:
                        var chunk = new byte[random.Next(0, 70)];
                        random.NextBytes(chunk);
                        int offset = random.Next(0, chunk.Length + 1);
                        buffer.Append(chunk, offset, chunk.Length - offset);
                        model.AddRange(chunk.Skip(offset));
                        break;
                    case 2:
                        string text = new string((char)random.Next(32, 127), random.Next(0, 30));
                        buffer.Append(text);
                        model.AddRange(Bytes(text));
                        break;
                    case 3:
                        int n = random.Next(0, 50);
                        buffer.Consume(Math.Min(n, model.Count));
                        model.RemoveRange(0, Math.Min(n, model.Count));
                        break;
                    case 4:
                        var destination = new byte[64];
                        int max = random.Next(0, 64);
                        int taken = buffer.Take(destination, 0, max);
                        Assert.Equal(Math.Min(max, model.Count), taken);
                        Assert.Equal(model.Take(taken), destination.Take(taken));
                        model.RemoveRange(0, taken);
                        break;
                    case 5:
                        if (random.Next(20) == 0)
                        {
                            buffer.Clear();
                            model.Clear();
                        }
                        break;
                }
                Assert.True(model.Count == buffer.Count, "seed " + seed + ", step " + step);
                if (model.Count > 0) Assert.Equal(model[^1], buffer[buffer.Count - 1]);
            }
            Assert.Equal(model.ToArray(), Contents(buffer));
        }
    }
}
