// IHmacSha256 on the device: nanoFramework's native HMAC-SHA256 (HMACSHA256.HashData over
// mbedTLS), so each PBKDF2 iteration is one native call rather than two SHA-256 compressions
// interpreted byte by byte. RFC 2104 / FIPS 180-4.
namespace MailGateway.Firmware
{
    public sealed class DeviceHmac : MailGateway.Core.Local.IHmacSha256
    {
        public byte[] Mac(byte[] key, byte[] message)
        {
            return System.Security.Cryptography.HMACSHA256.HashData(key, message);
        }
    }
}
