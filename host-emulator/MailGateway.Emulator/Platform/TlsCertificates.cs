// The server certificate for HostNetwork.StartTlsServer (STARTTLS, STLS, implicit TLS): loaded from
// PEM files the operator names, or kept in the data folder and made there on first start.
//
// How it works: LoadOrCreate with both paths loads them. With neither, it looks in the data folder
// for TLSCERT.PEM and TLSKEY.PEM (8.3 names: the folder may be a FAT card) and loads them, or, when
// they are not both there, makes a self-signed certificate for the host name and saves it there
// first, so that the next start shows clients the same certificate. Loading reads every
// CERTIFICATE block of the certificate file (the first is the server's own, the rest the chain
// towards its CA, as Let's Encrypt and most CAs hand them out) and the one private key of the key
// file (PKCS#8 "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY"; RSA or ECDSA; one file may hold
// both), pairs them, and re-imports the pair through PKCS#12: SslStream on Linux cannot serve with
// a key that was only imported from PEM.
//
// Invariants:
//   - Every failure names the file it is about (TlsCertificateException.FilePath) and says what
//     is wrong in an operator's words; nothing half-loaded is returned.
//   - The key file is created readable by its owner only (0600 on Unix), from its first byte on.
//   - A generated pair becomes visible in a set order: both are written under temporary names,
//     the key is moved into place, then the certificate. A crash leaves no certificate without
//     its key; a key without a certificate is replaced at the next start.
//
// Deliberately not here: encrypted keys (a daemon has nobody to type the password), watching the
// files for renewal (set HostNetwork.ServerCertificate again), OCSP stapling.
using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailGateway.Emulator.Platform
{
    public static class TlsCertificates
    {
        /// <summary>The certificate's name in the data folder (8.3).</summary>
        public const string CertificateFileName = "TLSCERT.PEM";

        /// <summary>The private key's name in the data folder (8.3).</summary>
        public const string KeyFileName = "TLSKEY.PEM";

        private const string CertificateTempName = "TLSCERT.TMP";
        private const string KeyTempName = "TLSKEY.TMP";
        private const int ValidityYears = 10;
        private const int RsaKeyBits = 2048;

        /// <summary>
        /// The server certificate with its private key, ready for HostNetwork.ServerCertificate.
        /// With certPemPath and keyPemPath: loaded from them. With neither (null or empty): loaded
        /// from TLSCERT.PEM and TLSKEY.PEM in dataDir, made there first (self-signed for hostname,
        /// RSA 2048, 10 years) when they are not both there. note says which happened, for the
        /// log. Throws TlsCertificateException, naming the file, when a file cannot be read or
        /// holds no usable certificate or key, or the key does not belong to the certificate;
        /// ArgumentException when only one path is given, or dataDir or hostname is missing
        /// where needed.
        /// </summary>
        public static X509Certificate2 LoadOrCreate(string certPemPath, string keyPemPath, string dataDir, string hostname, out string note)
        {
            return LoadOrCreate(certPemPath, keyPemPath, dataDir, hostname, out note, out _);
        }

        /// <summary>
        /// As above; chain receives the certificate file's further certificates (intermediate CAs,
        /// for HostNetwork.ServerCertificateChain), empty when it holds only the server's own.
        /// </summary>
        public static X509Certificate2 LoadOrCreate(string certPemPath, string keyPemPath, string dataDir, string hostname,
            out string note, out X509Certificate2Collection chain)
        {
            bool certGiven = !string.IsNullOrEmpty(certPemPath);
            bool keyGiven = !string.IsNullOrEmpty(keyPemPath);
            if (certGiven != keyGiven)
                throw new ArgumentException("Give both the certificate file and the key file, or neither.");
            X509Certificate2 certificate;
            if (certGiven)
            {
                certificate = Load(certPemPath, keyPemPath, out chain);
                note = "TLS certificate " + Describe(certificate) + " from " + certPemPath;
                return certificate;
            }

            if (string.IsNullOrEmpty(dataDir)) throw new ArgumentException("A data folder is needed to keep the TLS certificate.", nameof(dataDir));
            string certPath = Path.Combine(dataDir, CertificateFileName);
            string keyPath = Path.Combine(dataDir, KeyFileName);
            if (File.Exists(certPath) && File.Exists(keyPath))
            {
                certificate = Load(certPath, keyPath, out chain);
                note = "TLS certificate " + Describe(certificate) + " from " + certPath;
                return certificate;
            }

            CreateSelfSigned(dataDir, hostname, certPath, keyPath);
            certificate = Load(certPath, keyPath, out chain);
            note = "made a self-signed TLS certificate " + Describe(certificate) + " in " + certPath
                + " (clients that check certificates will not trust it unless told to; configure a certificate and key for a real one)";
            return certificate;
        }

        /// <summary>
        /// Loads a PEM certificate file (the server's certificate first, then any chain) and a PEM
        /// private key file (may be the same file), re-imported through PKCS#12. See LoadOrCreate.
        /// </summary>
        public static X509Certificate2 Load(string certPemPath, string keyPemPath, out X509Certificate2Collection chain)
        {
            if (certPemPath == null) throw new ArgumentNullException(nameof(certPemPath));
            if (keyPemPath == null) throw new ArgumentNullException(nameof(keyPemPath));
            chain = new X509Certificate2Collection();

            X509Certificate2 leaf = null;
            string certText = ReadText(certPemPath, "certificate");
            ReadOnlySpan<char> rest = certText.AsSpan();
            while (PemEncoding.TryFind(rest, out PemFields fields))
            {
                ReadOnlySpan<char> label = rest[fields.Label];
                if (label.SequenceEqual("CERTIFICATE"))
                {
                    X509Certificate2 one;
                    try
                    {
                        byte[] der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                        one = X509CertificateLoader.LoadCertificate(der);
                    }
                    catch (Exception e) when (e is CryptographicException || e is FormatException)
                    {
                        throw new TlsCertificateException(certPemPath,
                            "certificate " + (chain.Count + (leaf == null ? 1 : 2)) + " in the file is damaged (" + e.Message + ")", e);
                    }
                    if (leaf == null) leaf = one;
                    else chain.Add(one);
                }
                rest = rest[fields.Location.End..];
            }
            if (leaf == null)
                throw new TlsCertificateException(certPemPath, "no certificate found (a PEM file with -----BEGIN CERTIFICATE----- is expected)");

            string keyText = keyPemPath == certPemPath ? certText : ReadText(keyPemPath, "private key");
            if (keyText.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
                throw new TlsCertificateException(keyPemPath, "the private key is encrypted; give it without a password (and keep the file readable by this service only)");

            AsymmetricAlgorithm key = null;
            try
            {
                X509Certificate2 paired;
                using (RSA rsaPublic = leaf.GetRSAPublicKey())
                using (ECDsa ecPublic = leaf.GetECDsaPublicKey())
                {
                    if (rsaPublic != null)
                    {
                        RSA rsa = RSA.Create();
                        key = rsa;
                        ImportKey(rsa, keyText, keyPemPath, "an RSA");
                        paired = Pair(() => leaf.CopyWithPrivateKey(rsa), certPemPath, keyPemPath);
                    }
                    else if (ecPublic != null)
                    {
                        ECDsa ec = ECDsa.Create();
                        key = ec;
                        ImportKey(ec, keyText, keyPemPath, "an ECDSA");
                        paired = Pair(() => leaf.CopyWithPrivateKey(ec), certPemPath, keyPemPath);
                    }
                    else
                    {
                        throw new TlsCertificateException(certPemPath,
                            "the certificate's key is neither RSA nor ECDSA (" + leaf.PublicKey.Oid.FriendlyName + ")");
                    }
                }
                using (paired)
                {
                    // Through PKCS#12: an ordinary imported key, which SslStream can serve with everywhere.
                    return X509CertificateLoader.LoadPkcs12(paired.Export(X509ContentType.Pkcs12), null);
                }
            }
            finally
            {
                key?.Dispose();
                leaf.Dispose();
            }
        }

        private delegate X509Certificate2 Pairing();

        private static X509Certificate2 Pair(Pairing pair, string certPemPath, string keyPemPath)
        {
            try
            {
                return pair();
            }
            catch (Exception e) when (e is ArgumentException || e is CryptographicException)
            {
                throw new TlsCertificateException(keyPemPath, "the private key does not belong to the certificate in " + certPemPath, e);
            }
        }

        private static void ImportKey(AsymmetricAlgorithm key, string keyText, string keyPemPath, string kind)
        {
            try
            {
                key.ImportFromPem(keyText);
            }
            catch (Exception e) when (e is ArgumentException || e is CryptographicException)
            {
                throw new TlsCertificateException(keyPemPath,
                    "no usable private key found: the certificate needs " + kind + " key in PEM"
                    + " (-----BEGIN PRIVATE KEY----- or the RSA / EC form) (" + e.Message + ")", e);
            }
        }

        private static string ReadText(string path, string what)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ArgumentException
                || e is NotSupportedException)
            {
                throw new TlsCertificateException(path, "cannot read the " + what + " file (" + e.Message + ")", e);
            }
        }

        // Makes the key and the self-signed certificate and saves them (see the header's order).
        private static void CreateSelfSigned(string dataDir, string hostname, string certPath, string keyPath)
        {
            if (hostname != null && hostname.EndsWith('.')) hostname = hostname.Substring(0, hostname.Length - 1);
            if (string.IsNullOrEmpty(hostname))
                throw new ArgumentException("A host name is needed for a self-signed TLS certificate.", nameof(hostname));

            using RSA rsa = RSA.Create(RsaKeyBits);
            var subject = new X500DistinguishedNameBuilder();
            subject.AddCommonName(hostname);
            var request = new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            if (IPAddress.TryParse(hostname, out IPAddress literal)) names.AddIpAddress(literal);
            else names.AddDnsName(hostname);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, critical: false)); // serverAuth
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));

            DateTimeOffset now = ValidityStart(DateTimeOffset.UtcNow);
            byte[] serial = RandomNumberGenerator.GetBytes(16);
            serial[0] &= 0x7F; // RFC 5280 §4.1.2.2: a positive number
            using X509Certificate2 certificate = request.Create(
                request.SubjectName, X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
                now.AddDays(-1), now.AddYears(ValidityYears), serial);

            string certPem = PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n";
            string keyPem = rsa.ExportPkcs8PrivateKeyPem() + "\n";
            string keyTemp = Path.Combine(dataDir, KeyTempName);
            string certTemp = Path.Combine(dataDir, CertificateTempName);
            try
            {
                Directory.CreateDirectory(dataDir);
                SyncedFile.Write(keyTemp, System.Text.Encoding.ASCII.GetBytes(keyPem), UnixFileMode.UserRead | UnixFileMode.UserWrite);
                SyncedFile.Write(certTemp, System.Text.Encoding.ASCII.GetBytes(certPem), null);
                File.Move(keyTemp, keyPath, overwrite: true);
                File.Move(certTemp, certPath, overwrite: true);
                HostStorage.SyncFolder(dataDir); // the new names, for good
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new TlsCertificateException(dataDir, "cannot save a new TLS certificate there (" + e.Message + ")", e);
            }
        }

        /// <summary>
        /// Where a new certificate's validity starts: the system clock, or the build date when the
        /// clock reads earlier (not set yet: a board that starts at 1970 would otherwise make a
        /// certificate that has expired by the time the clock is right).
        /// </summary>
        public static DateTimeOffset ValidityStart(DateTimeOffset systemNow)
        {
            var built = DateTimeOffset.FromUnixTimeMilliseconds(HostClock.BuildUnixMs);
            return systemNow < built ? built : systemNow;
        }

        // "for mail.example.com (RSA, valid until 2035-01-01)" for the note.
        private static string Describe(X509Certificate2 certificate)
        {
            string name = certificate.GetNameInfo(X509NameType.DnsName, forIssuer: false);
            if (string.IsNullOrEmpty(name)) name = certificate.Subject;
            string kind;
            using (RSA rsa = certificate.GetRSAPublicKey()) kind = rsa != null ? "RSA" : "ECDSA";
            DateTime until = certificate.NotAfter.ToUniversalTime();
            string validity = until < DateTime.UtcNow
                ? "EXPIRED " + until.ToString("yyyy-MM-dd")
                : "valid until " + until.ToString("yyyy-MM-dd");
            return "for " + name + " (" + kind + ", " + validity + ")";
        }
    }

    /// <summary>A certificate or key file that cannot be used; FilePath names it.</summary>
    public sealed class TlsCertificateException : Exception
    {
        public TlsCertificateException(string filePath, string problem, Exception inner = null)
            : base(filePath + ": " + problem, inner)
        {
            FilePath = filePath;
        }

        /// <summary>The file (or, when saving a new certificate failed, the folder) the problem is about.</summary>
        public string FilePath { get; }
    }
}
