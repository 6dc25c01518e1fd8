// Declared from nanoFramework.System.IO.FileSystem (namespaces System.IO and
// nanoFramework.System.IO.FileSystem): files and folders on drive D:\ and the SD card mount.
// Empty bodies: a compile-time description of the device's API, never run.
namespace System.IO
{
    // nanoFramework.System.IO.FileSystem | System.IO
    public enum FileMode
    {
        // nanoFramework.System.IO.FileSystem | System.IO
        CreateNew = 1,
        // nanoFramework.System.IO.FileSystem | System.IO
        Open = 3,
        // nanoFramework.System.IO.FileSystem | System.IO
        Append = 6,
    }

    // nanoFramework.System.IO.FileSystem | System.IO
    public enum FileAccess
    {
        // nanoFramework.System.IO.FileSystem | System.IO
        Read = 1,
        // nanoFramework.System.IO.FileSystem | System.IO
        Write = 2,
    }

    // nanoFramework.System.IO.FileSystem | System.IO
    public static class File
    {
        // nanoFramework.System.IO.FileSystem | System.IO
        public static bool Exists(string path) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO
        public static void Delete(string path) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO
        public static void Move(string sourceFileName, string destFileName) { throw new NotImplementedException(); }
    }

    // nanoFramework.System.IO.FileSystem | System.IO
    public static class Directory
    {
        // nanoFramework.System.IO.FileSystem | System.IO
        public static bool Exists(string path) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO
        public static void CreateDirectory(string path) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO
        public static string[] GetFiles(string path) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO (absolute paths of the subfolders)
        public static string[] GetDirectories(string path) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO (an IOException when the folder is not empty; recursive is not implemented)
        public static void Delete(string path, bool recursive = false) { throw new NotImplementedException(); }
    }

    // nanoFramework.System.IO.FileSystem | System.IO
    public class FileStream : Stream
    {
        // nanoFramework.System.IO.FileSystem | System.IO
        public FileStream(string path, FileMode mode, FileAccess access) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO
        public override long Length { get { throw new NotImplementedException(); } }
        // nanoFramework.System.IO.FileSystem | System.IO
        public override long Position { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        // nanoFramework.System.IO.FileSystem | System.IO
        public override int Read(byte[] buffer, int offset, int count) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO
        public override void Write(byte[] buffer, int offset, int count) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | System.IO
        public override void Close() { throw new NotImplementedException(); }
    }
}

namespace nanoFramework.System.IO.FileSystem
{
    // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
    public class SDCard
    {
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public SDCard(SDCardMmcParameters mmcParameters, CardDetectParameters cdParameters = null) { throw new global::System.NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public SDCard(SDCardSpiParameters spiParameters, CardDetectParameters cdParameters = null) { throw new global::System.NotImplementedException(); }
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public bool IsMounted { get { throw new global::System.NotImplementedException(); } }
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public void Mount() { throw new global::System.NotImplementedException(); }

        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem (nested in SDCard)
        public enum SDDataWidth
        {
            // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
            _1_bit = 1,
            // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
            _4_bit = 2,
        }
    }

    // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
    public class SDCardMmcParameters
    {
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public uint slotIndex;
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public SDCard.SDDataWidth dataWidth;
    }

    // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
    public class SDCardSpiParameters
    {
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public uint slotIndex;
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public uint spiBus;
        // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem
        public uint chipSelectPin;
    }

    // nanoFramework.System.IO.FileSystem | nanoFramework.System.IO.FileSystem (only named, as the
    // optional card-detect argument of the SDCard constructors; the firmware passes none)
    public class CardDetectParameters
    {
        internal CardDetectParameters() { }
    }
}
