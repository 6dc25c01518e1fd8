// CRC-32 (IEEE 802.3, the zip/PNG polynomial 0xEDB88320), the checksum of every spool record.
namespace MailGateway.Core.Spool
{
    public static class Crc32
    {
        private static readonly uint[] Table = BuildTable();

        public const uint Initial = 0xFFFFFFFF;

        /// <summary>Continues a running CRC; start from Initial and pass the result to Finish.</summary>
        public static uint Update(uint crc, byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                crc = Table[(crc ^ buffer[offset + i]) & 0xFF] ^ (crc >> 8);
            }
            return crc;
        }

        public static uint Finish(uint crc)
        {
            return crc ^ 0xFFFFFFFF;
        }

        public static uint Compute(byte[] buffer, int offset, int count)
        {
            return Finish(Update(Initial, buffer, offset, count));
        }

        private static uint[] BuildTable()
        {
            uint[] table = new uint[256];
            for (uint i = 0; i < 256; i++)
            {
                uint c = i;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                table[i] = c;
            }
            return table;
        }
    }
}
