// IStorageFolders for simulations: each folder is a SimulatedStorage of its own. Simplification:
// the folders do not share the spool card's power state, so power-cut tests cover each separately.
using System.Collections.Generic;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Simulation
{
    public sealed class SimulatedStorageFolders : IStorageFolders
    {
        private readonly Dictionary<string, SimulatedStorage> _folders = new Dictionary<string, SimulatedStorage>();

        public IStorage Folder(string name)
        {
            if (!_folders.TryGetValue(name, out SimulatedStorage storage))
            {
                storage = new SimulatedStorage();
                _folders[name] = storage;
            }
            return storage;
        }

        /// <summary>The folder's card, for tests that look inside or cut its power.</summary>
        public SimulatedStorage Card(string name) => (SimulatedStorage)Folder(name);

        public IEnumerable<string> Names => _folders.Keys;
    }
}
