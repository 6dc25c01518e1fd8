// A protocol machine's output as a socket takes it (SMTP and POP3 server sessions, the SMTP
// client): PeekTransmit shows the bytes where they wait, so the socket sends them from there and
// no buffer of the caller's holds them; Transmitted says how many went. Copy is the same for a
// caller that wants the bytes in its own buffer (a test's transcript, the budget's measuring).
namespace MailGateway.Core.Runtime
{
    public interface ITransmitter
    {
        /// <summary>The bytes to send: buffer[offset .. offset + the count returned); 0: nothing now.</summary>
        int PeekTransmit(out byte[] buffer, out int offset);
        /// <summary>count of the bytes PeekTransmit showed are sent.</summary>
        void Transmitted(int count);
    }

    public static class Transmitter
    {
        /// <summary>Moves up to max bytes of what the machine has to send into dst[offset..); returns how many.</summary>
        public static int Copy(ITransmitter machine, byte[] dst, int offset, int max)
        {
            int total = 0;
            byte[] output;
            int at;
            int n;
            while (total < max && (n = machine.PeekTransmit(out output, out at)) > 0)
            {
                if (n > max - total) n = max - total;
                System.Array.Copy(output, at, dst, offset + total, n);
                machine.Transmitted(n);
                total += n;
            }
            return total;
        }
    }
}
