// One login's password check, done a little per loop pass (Pbkdf2Steps) with exactly the outcome
// of UserDirectory.Verify: true only for an existing user whose stored PBKDF2-HMAC-SHA256 hash
// (PasswordHash) matches, compared in fixed time. An unknown user costs the same work (the
// directory's iteration count over an all-zero salt, as Verify does), so the time a login takes
// does not tell which names exist.
//
// A platform whose IUsers cannot run the hash beside the loop (nanoFramework has threads but one
// interpreter: a helper thread would still take the loop's CPU time in large slices) creates one
// per BeginVerify and calls Step from PollVerify.
namespace MailGateway.Core.Local
{
    public sealed class PasswordCheck
    {
        private readonly Pbkdf2Steps _steps;
        private readonly byte[] _expected;     // null for an unknown user: the answer is no

        public PasswordCheck(UserDirectory directory, string name, byte[] password, IHmacSha256 prf)
        {
            if (directory == null) throw new System.ArgumentNullException("directory");
            UserEntry user = directory.Entry(name);
            if (user == null)
            {
                _steps = new Pbkdf2Steps(prf, password, new byte[PasswordHash.SaltBytes], directory.Iterations, PasswordHash.HashBytes);
                _expected = null;
            }
            else
            {
                _steps = new Pbkdf2Steps(prf, password, user.Salt, user.Iterations, user.Hash.Length);
                _expected = user.Hash;
            }
        }

        /// <summary>Runs at most maxIterations more iterations: -1 still running, 0 refused, 1 right.</summary>
        public int Step(int maxIterations)
        {
            if (!_steps.Done && !_steps.Step(maxIterations)) return -1;
            if (_expected == null) return 0;
            return PasswordHash.FixedTimeEquals(_steps.Result, _expected) ? 1 : 0;
        }
    }
}
