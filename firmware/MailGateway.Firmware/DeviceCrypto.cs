// ICrypto on the device. Pbkdf2Sha256 is the one-shot form (user add/passwd from the console, not
// a login): the stepwise PBKDF2 run to the end on the native HMAC. RandomBytes serves password
// salts, which must be unique and unguessable in advance rather than secret: the declared
// nanoFramework API offers no hardware-RNG call, so bytes come from HMAC-SHA256 (native) over a
// per-boot key drawn from System.Random seeded by the microsecond timer, a running counter and
// the timer again — unique per call; see the README's note before relying on it for more.
namespace MailGateway.Firmware
{
    public sealed class DeviceCrypto : MailGateway.Core.Runtime.ICrypto
    {
        private readonly DeviceHmac _hmac = new DeviceHmac();
        private readonly byte[] _key = new byte[32];
        private readonly byte[] _block = new byte[16];
        private long _counter;

        public DeviceCrypto()
        {
            new System.Random((int)nanoFramework.Hardware.Esp32.HighResTimer.GetCurrent()).NextBytes(_key);
        }

        public byte[] Pbkdf2Sha256(byte[] password, byte[] salt, int iterations, int length)
        {
            MailGateway.Core.Local.Pbkdf2Steps steps = new MailGateway.Core.Local.Pbkdf2Steps(_hmac, password, salt, iterations, length);
            while (!steps.Step(int.MaxValue)) { }
            return steps.Result;
        }

        public void RandomBytes(byte[] buffer, int offset, int count)
        {
            int done = 0;
            while (done < count)
            {
                _counter++;
                long now = (long)nanoFramework.Hardware.Esp32.HighResTimer.GetCurrent();
                for (int i = 0; i < 8; i++)
                {
                    _block[i] = (byte)(_counter >> (8 * i));
                    _block[8 + i] = (byte)(now >> (8 * i));
                }
                byte[] mac = _hmac.Mac(_key, _block);
                int take = count - done < mac.Length ? count - done : mac.Length;
                System.Array.Copy(mac, 0, buffer, offset + done, take);
                done += take;
            }
        }
    }
}
