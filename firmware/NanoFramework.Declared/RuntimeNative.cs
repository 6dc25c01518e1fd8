// Declared from nanoFramework.Runtime.Native (namespace nanoFramework.Runtime.Native): the
// console's "reboot". Empty bodies: a compile-time description of the device's API, never run.
namespace nanoFramework.Runtime.Native
{
    // nanoFramework.Runtime.Native | nanoFramework.Runtime.Native
    public class Power
    {
        internal Power() { }
        // nanoFramework.Runtime.Native | nanoFramework.Runtime.Native
        public static void RebootDevice() { throw new global::System.NotImplementedException(); }
    }
}
