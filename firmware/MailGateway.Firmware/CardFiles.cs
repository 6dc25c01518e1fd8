// Whole small files on the card by path (the configuration, PEM certificates): read one into
// memory, and replace one through a temporary name, since FAT cannot rename over an existing name.
// Replace's order, like UserDirectory.Save: write and close the temporary file (each FileStream
// write is on the card when it returns, see FatStorage), delete the old file, rename the
// temporary one. A power cut leaves the old file, or the old and a complete temporary file, or
// only the complete temporary file: ReadAll of a missing file falls back to the temporary one.
namespace MailGateway.Firmware
{
    public static class CardFiles
    {
        /// <summary>The file's bytes (or, when it is missing, a leftover temporary copy's); null when neither exists. Throws IOException.</summary>
        public static byte[] ReadAll(string path, string temporaryPath, int maxBytes)
        {
            string from = path;
            if (!System.IO.File.Exists(from))
            {
                if (temporaryPath == null || !System.IO.File.Exists(temporaryPath)) return null;
                from = temporaryPath;
            }
            System.IO.FileStream s = null;
            try
            {
                s = new System.IO.FileStream(from, System.IO.FileMode.Open, System.IO.FileAccess.Read);
                long length = s.Length;
                if (length > maxBytes) throw new System.IO.IOException(from + ": larger than " + maxBytes.ToString() + " bytes");
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
                throw new System.IO.IOException(from + ": " + e.GetType().Name + ": " + e.Message);
            }
            finally
            {
                if (s != null) s.Close();
            }
        }

        /// <summary>Replaces the file's content with data (see the header). Throws IOException.</summary>
        public static void Replace(string path, string temporaryPath, byte[] data)
        {
            try
            {
                if (System.IO.File.Exists(temporaryPath)) System.IO.File.Delete(temporaryPath);
                System.IO.FileStream s = new System.IO.FileStream(temporaryPath, System.IO.FileMode.CreateNew, System.IO.FileAccess.Write);
                try
                {
                    if (data.Length > 0) s.Write(data, 0, data.Length);
                }
                finally
                {
                    s.Close();
                }
                if (System.IO.File.Exists(path)) System.IO.File.Delete(path);
                System.IO.File.Move(temporaryPath, path);
            }
            catch (System.IO.IOException)
            {
                throw;
            }
            catch (System.Exception e)
            {
                throw new System.IO.IOException(path + ": " + e.GetType().Name + ": " + e.Message);
            }
        }
    }
}
