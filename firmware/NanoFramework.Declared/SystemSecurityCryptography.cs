// Declared from nanoFramework.System.Security.Cryptography (namespace
// System.Security.Cryptography): native HMAC-SHA256, the primitive of the stepwise PBKDF2.
// Empty bodies: a compile-time description of the device's API, never run.
namespace System.Security.Cryptography
{
    // nanoFramework.System.Security.Cryptography | System.Security.Cryptography
    public class HMACSHA256
    {
        internal HMACSHA256() { }
        // nanoFramework.System.Security.Cryptography | System.Security.Cryptography
        public static byte[] HashData(byte[] key, byte[] source) { throw new NotImplementedException(); }
    }
}
