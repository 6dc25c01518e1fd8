// The TLS certificates the device uses, read from the card because an ESP32 has no certificate
// store: the server certificate and key for STARTTLS/465/995 (tls.cert, tls.key: PEM files on the
// card, RSA or ECDSA), and the trust anchors for verifying the smarthost (tls.ca_file: one PEM
// file holding one or more CA certificates; mbedTLS parses every certificate in the buffer).
// Unlike the host, the device cannot make a self-signed certificate at first start; without
// tls.cert/tls.key it offers no STARTTLS and its implicit-TLS listeners fail their handshakes.
//
// PEM buffers (those starting with "-----BEGIN") get a terminating NUL byte; DER is passed as is: mbedTLS only parses PEM from a NUL-terminated buffer,
// and nanoFramework's byte[] constructors pass the bytes to it as they are (its string
// constructors add the NUL themselves).
namespace MailGateway.Firmware
{
    public sealed class TlsMaterial
    {
        public const int MaxPemBytes = 64 * 1024;

        /// <summary>The server certificate with its private key, or null.</summary>
        public System.Security.Cryptography.X509Certificates.X509Certificate2 Server;
        /// <summary>The trust anchors for verified client connections, or null.</summary>
        public System.Security.Cryptography.X509Certificates.X509Certificate TrustAnchors;

        /// <summary>Loads what is configured; each missing or unreadable part is logged and left null.</summary>
        public static TlsMaterial Load(string certPath, string keyPath, string caPath, MailGateway.Core.Runtime.ILog log)
        {
            TlsMaterial m = new TlsMaterial();
            if (certPath != null && keyPath != null)
            {
                try
                {
                    byte[] cert = Pem(certPath);
                    byte[] key = Pem(keyPath);
                    if (cert == null || key == null) throw new System.IO.IOException("file not found");
                    m.Server = new System.Security.Cryptography.X509Certificates.X509Certificate2(cert, key, null);
                    log.Line("TLS: server certificate from " + certPath);
                }
                catch (System.Exception e)
                {
                    log.Line("warning: TLS: cannot use " + certPath + " / " + keyPath + ": " + e.Message + "; STARTTLS is not offered");
                }
            }
            else
            {
                log.Line("TLS: no tls.cert/tls.key on the card; STARTTLS is not offered (the device cannot make a certificate itself)");
            }
            if (caPath != null)
            {
                try
                {
                    byte[] ca = Pem(caPath);
                    if (ca == null) throw new System.IO.IOException("file not found");
                    m.TrustAnchors = new System.Security.Cryptography.X509Certificates.X509Certificate(ca);
                    log.Line("TLS: trust anchors from " + caPath);
                }
                catch (System.Exception e)
                {
                    log.Line("warning: TLS: cannot use tls.ca_file " + caPath + ": " + e.Message + "; verified connections will fail");
                }
            }
            return m;
        }

        private static byte[] Pem(string path)
        {
            int slash = path.LastIndexOf('\\');
            FatStorage folder = FatStorage.ForWholeFiles(slash < 0 ? "D:" : path.Substring(0, slash));
            string name = path.Substring(slash + 1);
            if (!folder.Exists(name)) return null;
            byte[] data = MailGateway.Core.Runtime.WholeFile.ReadAll(folder, name, MaxPemBytes);
            if (data.Length == 0 || data[0] != (byte)'-') return data;   // DER: no terminator
            byte[] terminated = new byte[data.Length + 1];
            System.Array.Copy(data, terminated, data.Length);
            return terminated;
        }
    }
}
