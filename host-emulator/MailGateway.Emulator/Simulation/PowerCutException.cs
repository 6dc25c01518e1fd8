// Thrown by SimulatedStorage when the simulated power is cut. Deliberately not an IOException:
// the spool turns IOException into a 4xx reply and carries on, but after a power cut nothing
// carries on. The simulation catches it, reboots the card and starts a new gateway on it.
using System;

namespace MailGateway.Emulator.Simulation
{
    public sealed class PowerCutException : Exception
    {
        public PowerCutException(string message) : base(message)
        {
        }
    }
}
