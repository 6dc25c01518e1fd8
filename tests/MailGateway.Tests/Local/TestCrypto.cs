// ICrypto for user directory tests: the host's real PBKDF2, seeded (repeatable) salts, and a log of
// the iteration counts asked for, so a test can see how much hashing a call cost.
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Local;

internal sealed class TestCrypto : ICrypto
{
    private readonly HostCrypto _host = new HostCrypto();
    private readonly Random _random;

    public TestCrypto(int seed = 7)
    {
        _random = new Random(seed);
    }

    public List<int> Iterations { get; } = new List<int>();

    public byte[] Pbkdf2Sha256(byte[] password, byte[] salt, int iterations, int length)
    {
        Iterations.Add(iterations);
        return _host.Pbkdf2Sha256(password, salt, iterations, length);
    }

    public void RandomBytes(byte[] buffer, int offset, int count)
    {
        byte[] bytes = new byte[count];
        _random.NextBytes(bytes);
        Buffer.BlockCopy(bytes, 0, buffer, offset, count);
    }
}
