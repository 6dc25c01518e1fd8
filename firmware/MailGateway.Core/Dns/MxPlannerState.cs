// The states of an MxPlanner, named for what it waits for.
namespace MailGateway.Core.Dns
{
    public enum MxPlannerState
    {
        /// <summary>The MX lookup (of the domain, or of the name a CNAME led to) is to be started.</summary>
        AskingMx,
        /// <summary>Waiting for the MX result.</summary>
        AwaitingMx,
        /// <summary>Resolving the MX hosts to addresses, one host at a time, best first.</summary>
        ResolvingHosts,
        /// <summary>Plan holds the outcome.</summary>
        Done,
        Count,
    }

    public static class MxPlannerStateNames
    {
        private static readonly string[] Names = { "AskingMx", "AwaitingMx", "ResolvingHosts", "Done" };

        public static string Name(MxPlannerState state)
        {
            int i = (int)state;
            return i >= 0 && i < Names.Length ? Names[i] : "State" + i.ToString();
        }
    }
}
