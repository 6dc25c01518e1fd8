// The one primitive the stepwise password check needs from its platform: HMAC-SHA256 (RFC 2104
// with SHA-256, FIPS 180-4) of a whole message under a key. On the device it is native code
// (nanoFramework's HMACSHA256 over mbedTLS), so the interpreted loop only pays for the call; on the
// host it is .NET's. Kept apart from ICrypto so a platform can offer it without offering PBKDF2.
namespace MailGateway.Core.Local
{
    public interface IHmacSha256
    {
        /// <summary>HMAC-SHA256(key, message): a new 32-byte array. Neither argument is changed.</summary>
        byte[] Mac(byte[] key, byte[] message);
    }
}
