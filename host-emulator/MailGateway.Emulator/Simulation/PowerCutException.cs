// Thrown by SimulatedStorage when the simulated power is cut. A PlatformHalt, not an IOException:
// the spool turns IOException into a 4xx reply and carries on, but after a power cut nothing
// carries on, and the loop's containment lets it through. The simulation catches it, reboots the
// card and starts a new gateway on it.
using System;

namespace MailGateway.Emulator.Simulation
{
    public sealed class PowerCutException : MailGateway.Core.Runtime.PlatformHalt
    {
        public PowerCutException(string message) : base(message)
        {
        }
    }
}
