// Declared from nanoFramework.Hardware.Esp32 (namespace nanoFramework.Hardware.Esp32): routing a
// UART and an SPI bus to GPIO pins, and the microsecond timer since boot (esp_timer), which is the
// firmware's monotonic clock. Empty bodies: a compile-time description of the device's API.
namespace nanoFramework.Hardware.Esp32
{
    // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
    // Values: DeviceTypes.SERIAL (3 << 16) or SPI (1 << 16), plus the device index << 8, plus the pin role.
    public enum DeviceFunction
    {
        // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
        SPI1_MOSI = 0x10100,
        // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
        SPI1_MISO = 0x10101,
        // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
        SPI1_CLOCK = 0x10102,
        // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
        COM2_TX = 0x30200,
        // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
        COM2_RX = 0x30201,
    }

    // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
    public class Configuration
    {
        internal Configuration() { }
        // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
        public static void SetPinFunction(int pin, DeviceFunction value) { throw new global::System.NotImplementedException(); }
    }

    // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
    public class HighResTimer
    {
        internal HighResTimer() { }
        // nanoFramework.Hardware.Esp32 | nanoFramework.Hardware.Esp32
        public static ulong GetCurrent() { throw new global::System.NotImplementedException(); }
    }
}
