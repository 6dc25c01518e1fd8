// ICrypto for the host: .NET's PBKDF2 (Rfc2898DeriveBytes.Pbkdf2 with HMAC-SHA256, RFC 8018 §5.2)
// and the operating system's random number generator (RandomNumberGenerator.Fill).
using System;
using System.Security.Cryptography;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Platform
{
    public sealed class HostCrypto : ICrypto
    {
        public byte[] Pbkdf2Sha256(byte[] password, byte[] salt, int iterations, int length)
        {
            ArgumentNullException.ThrowIfNull(password);
            ArgumentNullException.ThrowIfNull(salt);
            return Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, length);
        }

        public void RandomBytes(byte[] buffer, int offset, int count)
        {
            RandomNumberGenerator.Fill(new Span<byte>(buffer, offset, count));
        }
    }
}
