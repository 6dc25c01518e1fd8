// The calls of IStorage, for SimulatedStorage's fault scripting (FailNext) and its messages.
namespace MailGateway.Emulator.Simulation
{
    public enum StorageOperation
    {
        Create,
        OpenAppend,
        OpenRead,
        Append,
        Read,
        Sync,
        Close,
        Rename,
        Delete,
        Exists,
        Length,
        List,
        SyncDirectory,
    }
}
