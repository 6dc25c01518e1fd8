// Whole-file helpers for the users file on a storage.
using System.Text;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Local;

internal static class UsersCard
{
    /// <summary>Create, append, Sync, Close, SyncDirectory: durable.</summary>
    public static void WriteDurably(IStorage storage, string name, string text)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(text); // one byte per char, so tests can write any byte
        int handle = storage.Create(name);
        storage.Append(handle, bytes, 0, bytes.Length);
        storage.Sync(handle);
        storage.Close(handle);
        storage.SyncDirectory();
    }

    public static string ReadAll(IStorage storage, string name)
    {
        int handle = storage.OpenRead(name);
        var all = new MemoryStream();
        var buffer = new byte[256];
        int n;
        while ((n = storage.Read(handle, all.Length, buffer, 0, buffer.Length)) > 0) all.Write(buffer, 0, n);
        storage.Close(handle);
        return Encoding.ASCII.GetString(all.ToArray());
    }
}
