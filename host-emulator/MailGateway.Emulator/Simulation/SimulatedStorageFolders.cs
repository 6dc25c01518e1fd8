// IStorageFolders for simulations: each folder is a SimulatedStorage of its own. By default the
// folders have power supplies of their own, apart from the spool card's, so power-cut tests cover
// each separately. SimulatedStorageFolders(card) puts every folder on the card's supply instead,
// as on the device, where the mailboxes are folders of the spool's SD card: a power cut scheduled
// on the card then strikes whichever of them is written at that moment, and after it the card and
// every folder must be rebooted (Reboot / RebootTorn here, and the card's own).
using System.Collections.Generic;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Simulation
{
    public sealed class SimulatedStorageFolders : IStorageFolders
    {
        private readonly Dictionary<string, SimulatedStorage> _folders = new Dictionary<string, SimulatedStorage>();
        private readonly SimulatedStorage _card;

        public SimulatedStorageFolders()
        {
        }

        /// <summary>Folders on the power supply of card (see the header).</summary>
        public SimulatedStorageFolders(SimulatedStorage card)
        {
            _card = card ?? throw new System.ArgumentNullException(nameof(card));
        }

        public IStorage Folder(string name)
        {
            if (!_folders.TryGetValue(name, out SimulatedStorage storage))
            {
                storage = _card == null ? new SimulatedStorage() : new SimulatedStorage(_card);
                _folders[name] = storage;
            }
            return storage;
        }

        /// <summary>The folder's card, for tests that look inside or cut its power.</summary>
        public SimulatedStorage Card(string name) => (SimulatedStorage)Folder(name);

        public IEnumerable<string> Names => _folders.Keys;

        /// <summary>Reboots every folder (SimulatedStorage.Reboot), in name order.</summary>
        public void Reboot()
        {
            foreach (string name in SortedNames()) _folders[name].Reboot();
        }

        /// <summary>Reboots every folder torn (SimulatedStorage.RebootTorn), each with its own seed drawn from this one.</summary>
        public void RebootTorn(int seed)
        {
            var random = new System.Random(seed);
            foreach (string name in SortedNames()) _folders[name].RebootTorn(random.Next());
        }

        /// <summary>Scripted I/O errors thrown by all folders so far.</summary>
        public int FaultsThrown
        {
            get
            {
                int n = 0;
                foreach (SimulatedStorage storage in _folders.Values) n += storage.FaultsThrown;
                return n;
            }
        }

        private List<string> SortedNames()
        {
            var names = new List<string>(_folders.Keys);
            names.Sort(System.StringComparer.Ordinal);
            return names;
        }
    }
}
