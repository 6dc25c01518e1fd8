// The cryptography the core needs from its platform: slow salted password hashing for the users
// file and unpredictable bytes for salts. The host uses .NET's cryptography; the firmware its
// platform's (mbedTLS on the ESP32).
namespace MailGateway.Core.Runtime
{
    public interface ICrypto
    {
        /// <summary>PBKDF2 with HMAC-SHA256 (RFC 8018 §5.2): length bytes of key from password and salt.</summary>
        byte[] Pbkdf2Sha256(byte[] password, byte[] salt, int iterations, int length);

        /// <summary>Fills buffer[offset..offset+count) with cryptographically strong random bytes.</summary>
        void RandomBytes(byte[] buffer, int offset, int count);
    }
}
