// PBKDF2 with HMAC-SHA256 (RFC 8018 §5.2), computed a few iterations at a time so that a login's
// password check never stalls the single-threaded loop on a board where each HMAC costs a native
// call and the loop must keep serving everybody else.
//
// How: DK = T_1 || T_2 || ... (each T_i one 32-byte block); T_i = U_1 ^ U_2 ^ ... ^ U_c with
// U_1 = PRF(P, S || INT(i)) and U_j = PRF(P, U_{j-1}). The state is the block index i, the
// iteration j, the last U and the running XOR: Step(n) advances at most n iterations (across
// block boundaries) and says when the whole key is there. Memory is fixed: three 32-byte arrays
// plus the salt block; the PRF allocates its own 32-byte result per call (the native HMAC returns
// a new array).
//
// Invariants: the result equals one-shot PBKDF2 for every split of the work (tested against
// RFC 7914 §11's PBKDF2-HMAC-SHA256 vectors and .NET's implementation); Result is null until Done.
// Misuse (no PRF, iterations < 1, length < 1, Step after Done) throws: that is a caller bug.
namespace MailGateway.Core.Local
{
    public sealed class Pbkdf2Steps
    {
        public const int BlockBytes = 32;

        private readonly IHmacSha256 _prf;
        private readonly byte[] _password;
        private readonly byte[] _saltBlock;     // S || INT(i), the message of U_1
        private readonly int _iterations;
        private readonly byte[] _key;
        private readonly int _blocks;

        private int _block = 1;                 // i, 1-based
        private int _iteration;                 // j of the last U computed (0: none yet for this block)
        private byte[] _u;                      // U_j
        private readonly byte[] _t = new byte[BlockBytes];
        private bool _done;

        public Pbkdf2Steps(IHmacSha256 prf, byte[] password, byte[] salt, int iterations, int length)
        {
            if (prf == null) throw new System.ArgumentNullException("prf");
            if (iterations < 1) throw new System.ArgumentOutOfRangeException("iterations");
            if (length < 1) throw new System.ArgumentOutOfRangeException("length");
            _prf = prf;
            _password = password == null ? new byte[0] : password;
            if (salt == null) salt = new byte[0];
            _saltBlock = new byte[salt.Length + 4];
            System.Array.Copy(salt, _saltBlock, salt.Length);
            _iterations = iterations;
            _key = new byte[length];
            _blocks = (length + BlockBytes - 1) / BlockBytes;
        }

        public bool Done { get { return _done; } }

        /// <summary>The derived key once Done, else null.</summary>
        public byte[] Result { get { return _done ? _key : null; } }

        /// <summary>Iterations still to compute (for progress and for sizing the work per pass).</summary>
        public long Remaining
        {
            get { return _done ? 0 : (long)(_blocks - _block) * _iterations + (_iterations - _iteration); }
        }

        /// <summary>Computes at most maxIterations more PRF iterations; true when the key is complete.</summary>
        public bool Step(int maxIterations)
        {
            if (_done) throw new System.InvalidOperationException("PBKDF2 already done");
            if (maxIterations < 1) throw new System.ArgumentOutOfRangeException("maxIterations");
            int budget = maxIterations;
            while (budget > 0)
            {
                if (_iteration == 0)
                {
                    // RFC 8018 §5.2 step 3: INT(i) is the block index, four octets, most significant first.
                    int n = _saltBlock.Length - 4;
                    _saltBlock[n] = (byte)(_block >> 24);
                    _saltBlock[n + 1] = (byte)(_block >> 16);
                    _saltBlock[n + 2] = (byte)(_block >> 8);
                    _saltBlock[n + 3] = (byte)_block;
                    _u = _prf.Mac(_password, _saltBlock);
                    System.Array.Copy(_u, _t, BlockBytes);
                }
                else
                {
                    _u = _prf.Mac(_password, _u);
                    for (int k = 0; k < BlockBytes; k++) _t[k] ^= _u[k];
                }
                _iteration++;
                budget--;
                if (_iteration == _iterations)
                {
                    int offset = (_block - 1) * BlockBytes;
                    int take = _key.Length - offset < BlockBytes ? _key.Length - offset : BlockBytes;
                    System.Array.Copy(_t, 0, _key, offset, take);
                    if (_block == _blocks)
                    {
                        _done = true;
                        return true;
                    }
                    _block++;
                    _iteration = 0;
                }
            }
            return false;
        }
    }
}
