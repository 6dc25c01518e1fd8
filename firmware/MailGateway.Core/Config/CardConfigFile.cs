// The board's configuration file on its card (mailgw.conf in the card's root): read whole at start,
// by the serial console and by the console's show config and set; replaced whole by save through
// Runtime/WholeFile, so a power cut during save leaves the old file or the new one, never a broken
// one. The text is UTF-8. An empty file, which an interrupted first save leaves, has no settings.
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Config
{
    public sealed class CardConfigFile
    {
        /// <summary>Largest file read (it is read whole into memory).</summary>
        public const int MaxBytes = 64 * 1024;

        private readonly IStorage _storage;
        private readonly string _name;
        private readonly string _temporaryName;
        private readonly string _path;

        /// <summary>name and temporaryName in storage; path: the file as its user knows it (D:\mailgw.conf).</summary>
        public CardConfigFile(IStorage storage, string name, string temporaryName, string path)
        {
            _storage = storage;
            _name = name;
            _temporaryName = temporaryName;
            _path = path;
        }

        public string Path { get { return _path; } }

        /// <summary>The file's text; null when there is no file. Throws IOException.</summary>
        public string Read()
        {
            byte[] data = WholeFile.Read(_storage, _name, _temporaryName, MaxBytes);
            return data == null ? null : Text.Utf8.GetString(data, 0, data.Length);
        }

        /// <summary>Replaces the file's text (see the header). Throws IOException.</summary>
        public void Write(string text)
        {
            WholeFile.Replace(_storage, _name, _temporaryName, Text.Utf8.GetBytes(text));
        }
    }
}
