// SimulatedStorage with the power on: the same contract suite as HostStorage.
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Tests.Storage
{
    public sealed class SimulatedStorageContractTests : StorageContractTests
    {
        private readonly SimulatedStorage _storage = new SimulatedStorage();

        protected override IStorage Storage => _storage;
    }
}
