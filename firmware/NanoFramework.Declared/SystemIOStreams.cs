// Declared from nanoFramework.System.IO.Streams (namespace System.IO): the Stream base class of
// FileStream and of the network streams, with only the members the firmware calls. Empty bodies:
// this is a compile-time description of the device's API, never run.
namespace System.IO
{
    // nanoFramework.System.IO.Streams | System.IO
    public abstract class Stream
    {
        // nanoFramework.System.IO.Streams | System.IO
        public abstract long Length { get; }
        // nanoFramework.System.IO.Streams | System.IO
        public abstract long Position { get; set; }
        // nanoFramework.System.IO.Streams | System.IO
        public abstract int Read(byte[] buffer, int offset, int count);
        // nanoFramework.System.IO.Streams | System.IO
        public abstract void Write(byte[] buffer, int offset, int count);
        // nanoFramework.System.IO.Streams | System.IO
        public virtual void Close() { throw new NotImplementedException(); }
        // nanoFramework.System.IO.Streams | System.IO
        public void Dispose() { throw new NotImplementedException(); }
    }
}
