// A part's bytes in the two layouts ObjectSize weighs (.NET's and nanoFramework's); the budget
// counts the larger, since neither layout is always the bigger one.
namespace MailGateway.Emulator.Budget
{
    /// <summary>A part's bytes in both layouts; Budget counts the larger.</summary>
    public readonly struct Weight
    {
        public readonly long DotNet;
        public readonly long Nano;

        public Weight(long dotNet, long nano)
        {
            DotNet = dotNet;
            Nano = nano;
        }

        public long Budget => DotNet > Nano ? DotNet : Nano;

        public static Weight operator +(Weight a, Weight b) => new Weight(a.DotNet + b.DotNet, a.Nano + b.Nano);
        public static Weight operator -(Weight a, Weight b) => new Weight(a.DotNet - b.DotNet, a.Nano - b.Nano);
    }
}
