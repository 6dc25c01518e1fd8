// Small files anywhere on the card by path (the PEM certificates and keys tls.* names), read whole
// into memory. (The configuration file, which the console also writes, is Core/Config/CardConfigFile.)
namespace MailGateway.Firmware
{
    public static class CardFiles
    {
        /// <summary>The file's bytes; null when it does not exist. Throws IOException.</summary>
        public static byte[] ReadAll(string path, int maxBytes)
        {
            if (!System.IO.File.Exists(path)) return null;
            System.IO.FileStream s = null;
            try
            {
                s = new System.IO.FileStream(path, System.IO.FileMode.Open, System.IO.FileAccess.Read);
                long length = s.Length;
                if (length > maxBytes) throw new System.IO.IOException(path + ": larger than " + maxBytes.ToString() + " bytes");
                byte[] data = new byte[(int)length];
                int total = 0;
                while (total < data.Length)
                {
                    int n = s.Read(data, total, data.Length - total);
                    if (n <= 0) break;
                    total += n;
                }
                if (total == data.Length) return data;
                byte[] shorter = new byte[total];
                System.Array.Copy(data, shorter, total);
                return shorter;
            }
            catch (System.IO.IOException)
            {
                throw;
            }
            catch (System.Exception e)
            {
                throw new System.IO.IOException(path + ": " + e.GetType().Name + ": " + e.Message);
            }
            finally
            {
                if (s != null) s.Close();
            }
        }
    }
}
