// IRandom on the device: queue-ID and retry jitter need spread, not secrecy. System.Random seeded
// from the microsecond timer at start, so two boards (or two boots) do not walk the same sequence.
namespace MailGateway.Firmware
{
    public sealed class DeviceRandom : MailGateway.Core.Runtime.IRandom
    {
        private readonly System.Random _random = new System.Random((int)nanoFramework.Hardware.Esp32.HighResTimer.GetCurrent());

        public int Next(int maxExclusive)
        {
            return _random.Next(maxExclusive);
        }
    }
}
