// TlsCertificates as a specification: PEM files the operator names are loaded (RSA and ECDSA, each
// key form, chain, one combined file) or refused with the file named; with none named, a
// self-signed pair is made once in the data folder under 8.3 names and loaded from there after.
// Every case works in its own temporary folder.
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailGateway.Emulator.Platform;
using Xunit;

namespace MailGateway.Tests.Network
{
    public class TlsCertificatesTests : IDisposable
    {
        private readonly HostNetworkServerTlsTests.TempFolder _dir = new HostNetworkServerTlsTests.TempFolder();

        public void Dispose()
        {
            _dir.Dispose();
        }

        // Made in the data folder

        [Fact]
        public void NoFilesGiven_MakesASelfSignedPair_Under83Names_AndLoadsTheSameOneNextTime()
        {
            X509Certificate2 made = TlsCertificates.LoadOrCreate(null, null, _dir.Path, "gw.lan.test", out string note);

            Assert.Equal(new[] { "TLSCERT.PEM", "TLSKEY.PEM" },
                Directory.GetFiles(_dir.Path).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray());
            Assert.Contains("self-signed", note);
            Assert.Contains(Path.Combine(_dir.Path, "TLSCERT.PEM"), note);
            Assert.True(made.HasPrivateKey);
            Assert.True(made.MatchesHostname("gw.lan.test"));
            Assert.False(made.MatchesHostname("other.test"));
            Assert.Equal(made.SubjectName.Name, made.IssuerName.Name);
            Assert.True(made.NotAfter > DateTime.UtcNow.AddYears(9));
            Assert.True(made.NotBefore < DateTime.UtcNow);
            using (RSA key = made.GetRSAPublicKey()) Assert.Equal(2048, key.KeySize);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                    File.GetUnixFileMode(Path.Combine(_dir.Path, "TLSKEY.PEM")));
            }

            X509Certificate2 again = TlsCertificates.LoadOrCreate("", "", _dir.Path, "gw.lan.test", out string secondNote);

            Assert.Equal(made.RawData, again.RawData);
            Assert.True(again.HasPrivateKey);
            Assert.DoesNotContain("self-signed", secondNote);
            Assert.Contains("gw.lan.test", secondNote);
            Assert.Equal(2, Directory.GetFiles(_dir.Path).Length);
        }

        [Fact]
        public void NoFilesGiven_ADataFolderNotThereYet_IsMade()
        {
            string dir = Path.Combine(_dir.Path, "SPOOL");

            TlsCertificates.LoadOrCreate(null, null, dir, "gw.lan.test", out _);

            Assert.True(File.Exists(Path.Combine(dir, "TLSCERT.PEM")));
        }

        [Fact]
        public void NoFilesGiven_AKeyWithoutItsCertificate_IsReplaced()
        {
            File.WriteAllText(Path.Combine(_dir.Path, "TLSKEY.PEM"), "left over from a crash");

            X509Certificate2 made = TlsCertificates.LoadOrCreate(null, null, _dir.Path, "gw.lan.test", out string note);

            Assert.True(made.HasPrivateKey);
            Assert.Contains("self-signed", note);
        }

        [Fact]
        public void NoFilesGiven_AnIpAddressAsHostName_GoesInAsAnIpAddress()
        {
            X509Certificate2 made = TlsCertificates.LoadOrCreate(null, null, _dir.Path, "192.168.1.10", out _);

            Assert.True(made.MatchesHostname("192.168.1.10"));
        }

        [Fact]
        public void NoFilesGiven_ADamagedCertificateInTheDataFolder_IsNamed_NotReplaced()
        {
            TlsCertificates.LoadOrCreate(null, null, _dir.Path, "gw.lan.test", out _);
            string certPath = Path.Combine(_dir.Path, "TLSCERT.PEM");
            File.WriteAllText(certPath, "garbage");

            var e = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadOrCreate(null, null, _dir.Path, "gw.lan.test", out _));

            Assert.Equal(certPath, e.FilePath);
            Assert.Equal("garbage", File.ReadAllText(certPath));
        }

        // Loaded from the operator's files

        public static TheoryData<string> KeyForms => new TheoryData<string>
        {
            "rsa-pkcs8", "rsa-pkcs1", "ecdsa-pkcs8", "ecdsa-sec1",
        };

        [Theory]
        [MemberData(nameof(KeyForms))]
        public void GivenFiles_AreLoaded_WithTheirKey(string form)
        {
            (byte[] raw, string certPem, string keyPem) = Pair(form, "mail.example.test");
            string certPath = Write("cert.pem", certPem);
            string keyPath = Write("key.pem", keyPem);

            X509Certificate2 loaded = TlsCertificates.LoadOrCreate(certPath, keyPath, _dir.Path, "ignored.test",
                out string note, out X509Certificate2Collection chain);

            Assert.Equal(raw, loaded.RawData);
            Assert.True(loaded.HasPrivateKey);
            Assert.Empty(chain);
            Assert.Contains(certPath, note);
            Assert.Contains("mail.example.test", note);
            Assert.Contains(form.StartsWith("rsa", StringComparison.Ordinal) ? "RSA" : "ECDSA", note);
            Assert.Equal(2, Directory.GetFiles(_dir.Path).Length); // nothing made in the data folder
        }

        [Fact]
        public void GivenFiles_OneFileWithCertificateAndKey_IsLoaded()
        {
            (byte[] raw, string certPem, string keyPem) = Pair("ecdsa-pkcs8", "mail.example.test");
            string path = Write("both.pem", certPem + keyPem);

            X509Certificate2 loaded = TlsCertificates.LoadOrCreate(path, path, null, null, out _);

            Assert.Equal(raw, loaded.RawData);
            Assert.True(loaded.HasPrivateKey);
        }

        [Fact]
        public void GivenFiles_TheChainAfterTheServerCertificate_ComesBackSeparately()
        {
            (X509Certificate2 root, string certPath, string keyPath) = CertificateFactory.IssuedChain(_dir.Path, "mail.example.test");

            X509Certificate2 loaded = TlsCertificates.LoadOrCreate(certPath, keyPath, null, null, out _, out X509Certificate2Collection chain);

            Assert.True(loaded.MatchesHostname("mail.example.test"));
            Assert.Equal("CN=Test Intermediate", Assert.Single(chain).Subject);
            Assert.Equal(root.Subject, chain[0].Issuer);
        }

        // Refused, with the file named

        [Theory]
        [InlineData("garbage", "no certificate found")]
        [InlineData("", "no certificate found")]
        [InlineData("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "damaged")]
        public void GivenFiles_ABadCertificateFile_IsNamed(string content, string problem)
        {
            (_, _, string keyPem) = Pair("rsa-pkcs8", "mail.example.test");
            string certPath = Write("cert.pem", content);
            string keyPath = Write("key.pem", keyPem);

            var e = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadOrCreate(certPath, keyPath, null, null, out _));

            Assert.Equal(certPath, e.FilePath);
            Assert.StartsWith(certPath + ": ", e.Message);
            Assert.Contains(problem, e.Message);
        }

        [Theory]
        [InlineData("garbage", "no usable private key")]
        [InlineData("other-rsa", "does not belong to the certificate")]
        [InlineData("ecdsa", "no usable private key")] // an ECDSA key for an RSA certificate
        [InlineData("encrypted", "encrypted")]
        public void GivenFiles_ABadKeyFile_IsNamed(string kind, string problem)
        {
            (_, string certPem, _) = Pair("rsa-pkcs8", "mail.example.test");
            string keyPem;
            switch (kind)
            {
                case "other-rsa":
                    keyPem = Pair("rsa-pkcs8", "other.test").KeyPem;
                    break;
                case "ecdsa":
                    keyPem = Pair("ecdsa-pkcs8", "other.test").KeyPem;
                    break;
                case "encrypted":
                    using (RSA rsa = RSA.Create(2048))
                    {
                        keyPem = rsa.ExportEncryptedPkcs8PrivateKeyPem("secret",
                            new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000));
                    }
                    break;
                default:
                    keyPem = kind;
                    break;
            }
            string certPath = Write("cert.pem", certPem);
            string keyPath = Write("key.pem", keyPem);

            var e = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadOrCreate(certPath, keyPath, null, null, out _));

            Assert.Equal(keyPath, e.FilePath);
            Assert.StartsWith(keyPath + ": ", e.Message);
            Assert.Contains(problem, e.Message);
        }

        [Fact]
        public void GivenFiles_AMissingFile_IsNamed()
        {
            (_, string certPem, _) = Pair("rsa-pkcs8", "mail.example.test");
            string certPath = Write("cert.pem", certPem);
            string keyPath = Path.Combine(_dir.Path, "missing.key");

            var e = Assert.Throws<TlsCertificateException>(() => TlsCertificates.LoadOrCreate(certPath, keyPath, null, null, out _));

            Assert.Equal(keyPath, e.FilePath);
            Assert.Contains("cannot read the private key file", e.Message);
        }

        [Theory]
        [InlineData("cert.pem", null)]
        [InlineData(null, "key.pem")]
        public void OnlyOneFileGiven_Throws(string certPath, string keyPath)
        {
            Assert.Throws<ArgumentException>(() => TlsCertificates.LoadOrCreate(certPath, keyPath, _dir.Path, "gw.lan.test", out _));
        }

        [Fact]
        public void NoFilesGiven_WithoutHostNameOrDataFolder_Throws()
        {
            Assert.Throws<ArgumentException>(() => TlsCertificates.LoadOrCreate(null, null, _dir.Path, "", out _));
            Assert.Throws<ArgumentException>(() => TlsCertificates.LoadOrCreate(null, null, null, "gw.lan.test", out _));
        }

        // Helpers

        private string Write(string name, string content)
        {
            string path = Path.Combine(_dir.Path, name);
            File.WriteAllText(path, content);
            return path;
        }

        // A self-signed certificate for name and its key in the given PEM form.
        private static (byte[] Raw, string CertPem, string KeyPem) Pair(string form, string name)
        {
            bool rsa = form.StartsWith("rsa", StringComparison.Ordinal);
            using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
            CertificateRequest request = rsa
                ? new CertificateRequest("CN=" + name, (RSA)key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest("CN=" + name, (ECDsa)key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(name);
            request.CertificateExtensions.Add(names.Build());
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
            string keyPem = form switch
            {
                "rsa-pkcs1" => ((RSA)key).ExportRSAPrivateKeyPem(),
                "ecdsa-sec1" => ((ECDsa)key).ExportECPrivateKeyPem(),
                _ => key.ExportPkcs8PrivateKeyPem(),
            };
            return (certificate.RawData, certificate.ExportCertificatePem() + "\n", keyPem + "\n");
        }
    }
}
