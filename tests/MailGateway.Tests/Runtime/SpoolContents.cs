// Reads what the spool holds on a storage, the way recovery sees it: each valid message file's
// envelope and body. Used by the durability tests to compare against what clients were told.
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;

namespace MailGateway.Tests.Runtime;

public sealed class StoredMessage
{
    public Envelope Envelope;
    public byte[] Body;
    public string BodyText => System.Text.Encoding.Latin1.GetString(Body);
}

public static class SpoolContents
{
    public static List<StoredMessage> ReadAll(IStorage storage)
    {
        var result = new List<StoredMessage>();
        foreach (string name in storage.List().OrderBy(n => n))
        {
            if (SpoolNames.QueueIdOf(name, SpoolNames.Message) == null) continue;
            MessageFile file = MessageFile.Check(storage, name, new byte[RecordFormat.BufferBytes]);
            Assert.True(file.IsValid, name + ": " + file.Problem);
            var body = new MemoryStream();
            var reader = new MessageBody(storage, name);
            byte[] buffer = new byte[777]; // pieces that cross the records' bounds
            int n;
            while ((n = reader.Next(buffer, 0, buffer.Length)) > 0) body.Write(buffer, 0, n);
            reader.Close();
            Assert.Equal(0, n);
            result.Add(new StoredMessage { Envelope = file.Envelope, Body = body.ToArray() });
        }
        return result;
    }

    /// <summary>Every file of the queue itself: all but the two small files of the queue ID sequence and those of the queue clock.</summary>
    public static string[] QueueFiles(IStorage storage)
    {
        return storage.List().Where(n => n != QueueIds.FileA && n != QueueIds.FileB && n != QueueClock.FileA && n != QueueClock.FileB).OrderBy(n => n).ToArray();
    }

    public static string[] Names(IStorage storage, string extension)
    {
        return storage.List().Where(n => SpoolNames.QueueIdOf(n, extension) != null).OrderBy(n => n).ToArray();
    }
}
