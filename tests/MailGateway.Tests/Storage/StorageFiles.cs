// Whole-file helpers for storage tests, written against IStorage only.
using System.Text;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Storage
{
    internal static class StorageFiles
    {
        public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

        /// <summary>Create, append, close: no Sync, no SyncDirectory.</summary>
        public static void Write(IStorage storage, string name, string text)
        {
            int handle = storage.Create(name);
            byte[] bytes = Ascii(text);
            storage.Append(handle, bytes, 0, bytes.Length);
            storage.Close(handle);
        }

        public static string ReadAll(IStorage storage, string name)
        {
            int handle = storage.OpenRead(name);
            var all = new MemoryStream();
            var buffer = new byte[7]; // small on purpose: several reads per file
            int n;
            while ((n = storage.Read(handle, all.Length, buffer, 0, buffer.Length)) > 0) all.Write(buffer, 0, n);
            storage.Close(handle);
            return Encoding.ASCII.GetString(all.ToArray());
        }

        public static string[] SortedList(IStorage storage)
        {
            string[] names = storage.List();
            Array.Sort(names, StringComparer.Ordinal);
            return names;
        }
    }
}
