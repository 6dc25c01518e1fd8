// The console's "user add NAME" and "user passwd NAME": the new password asked twice as secret lines
// (ConsoleSession.AskSecret: never logged or echoed), then hashed and saved by the platform's
// IUserEditor while the loop serves everybody else; the answer says when the change is on the card.
using MailGateway.Core.Local;

namespace MailGateway.Core.Console
{
    public sealed class UserChange : IConsoleProducer
    {
        private readonly IUserEditor _users;
        private readonly string _name;
        private readonly bool _create;
        private int _step;        // 0 ask, 1 first typed, 2 second typed, 3 hashing
        private string _first;
        private int _handle = -1;

        public UserChange(IUserEditor users, string name, bool create)
        {
            _users = users;
            _name = name;
            _create = create;
        }

        public bool Produce(ConsoleSession s)
        {
            s.ProducerWaiting = false;
            if (_step == 0)
            {
                s.AskSecret("new password for " + _name + ": ");
                _step = 1;
                s.ProducerWaiting = true; // the typed line brings the next pass
                return false;
            }
            if (_step == 1 || _step == 2)
            {
                string typed = s.TakeSecret();
                if (typed == null)
                {
                    s.ProducerWaiting = true;
                    return false;
                }
                s.WriteLine("");
                if (_step == 1)
                {
                    _first = typed;
                    s.AskSecret("again: ");
                    _step = 2;
                    s.ProducerWaiting = true;
                    return false;
                }
                bool same = typed == _first;
                _first = null;
                if (!same)
                {
                    s.WriteLine("error: the two passwords differ; nothing changed");
                    return true;
                }
                string problem;
                _handle = _users.BeginChange(_name, typed, _create, out problem);
                if (_handle < 0)
                {
                    s.WriteLine("error: " + problem);
                    return true;
                }
                _step = 3;
            }
            string failure;
            int result = _users.PollChange(_handle, out failure);
            if (result < 0)
            {
                // Hashing (a slice per pass on a board, off the loop on a host): the loop looks again
                // at its next pass, which comes by itself within a second; no need to spin for it.
                s.ProducerWaiting = true;
                return false;
            }
            _handle = -1;
            s.WriteLine(result == 0 ? "ok: user " + _name + (_create ? " added" : ": password changed") + " (saved)" : "error: " + failure);
            return true;
        }

        public void Abandon()
        {
            // A hash already started is finished by the platform and saved: the user asked for it
            // twice. Only the passwords still in memory here are dropped.
            _first = null;
        }
    }
}
