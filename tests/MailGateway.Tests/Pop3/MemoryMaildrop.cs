// An IMaildrop in memory for the POP3 tests, with knobs for the faults a card can have: short
// reads (MaxRead), a message that cannot be read past an offset (TruncateAt), a commit that fails
// (FailCommit). It insists on being locked for every call, and counts Unlock calls, so a session
// that reads after unlocking, or unlocks twice, is caught.
using System.Text;
using MailGateway.Core.Local;

namespace MailGateway.Tests.Pop3
{
    public sealed class MemoryMaildrop : IMaildrop
    {
        public readonly List<byte[]> Messages = new List<byte[]>();
        public readonly List<string> Uids = new List<string>();
        public bool[] Marked = new bool[0];
        /// <summary>Indexes removed by CommitDeletions (in the numbering of the session).</summary>
        public readonly List<int> Removed = new List<int>();
        public bool Locked;
        public int UnlockCalls;
        public int CommitCalls;
        public int ReadCalls;
        /// <summary>Read returns at most this many bytes per call.</summary>
        public int MaxRead = int.MaxValue;
        /// <summary>When at least 0, Read returns 0 (end of file) at this offset of every message.</summary>
        public long TruncateAt = -1;
        public bool FailCommit;

        /// <summary>Messages from texts with "\n" line ends (made CRLF); uids "UID-1", "UID-2", …</summary>
        public static MemoryMaildrop Of(params string[] texts)
        {
            var drop = new MemoryMaildrop();
            foreach (string text in texts) drop.Add(Crlf(text));
            return drop;
        }

        public static string Crlf(string text) => text.Replace("\r\n", "\n").Replace("\n", "\r\n");

        public void Add(string crlfText, string uid = null)
        {
            Messages.Add(Encoding.Latin1.GetBytes(crlfText));
            Uids.Add(uid ?? "UID-" + Messages.Count);
            Marked = new bool[Messages.Count];
        }

        /// <summary>A copy with the same messages and knobs, unlocked and untouched (each harness run gets one).</summary>
        public MemoryMaildrop Clone()
        {
            var copy = new MemoryMaildrop { MaxRead = MaxRead, TruncateAt = TruncateAt, FailCommit = FailCommit };
            for (int i = 0; i < Messages.Count; i++)
            {
                copy.Messages.Add(Messages[i]);
                copy.Uids.Add(Uids[i]);
            }
            copy.Marked = new bool[Messages.Count];
            return copy;
        }

        /// <summary>The messages still in the maildrop after the commits.</summary>
        public int Remaining => Messages.Count - Removed.Count;

        public long TotalOctets => Messages.Sum(m => (long)m.Length);

        private void RequireLock()
        {
            if (!Locked) throw new InvalidOperationException("maildrop used while not locked");
        }

        public int Count
        {
            get
            {
                RequireLock();
                return Messages.Count;
            }
        }

        public long Size(int index)
        {
            RequireLock();
            return Messages[index].Length;
        }

        public string Uid(int index)
        {
            RequireLock();
            return Uids[index];
        }

        public int Read(int index, long position, byte[] buffer, int offset, int count)
        {
            RequireLock();
            ReadCalls++;
            byte[] message = Messages[index];
            long end = message.Length;
            if (TruncateAt >= 0 && TruncateAt < end) end = TruncateAt;
            int n = (int)Math.Min(Math.Min(count, MaxRead), Math.Max(0, end - position));
            Array.Copy(message, position, buffer, offset, n);
            return n;
        }

        public void MarkDeleted(int index)
        {
            RequireLock();
            Marked[index] = true;
        }

        public void UnmarkAll()
        {
            RequireLock();
            Array.Clear(Marked);
        }

        public bool CommitDeletions()
        {
            RequireLock();
            CommitCalls++;
            if (FailCommit) return false;
            for (int i = 0; i < Marked.Length; i++)
            {
                if (Marked[i] && !Removed.Contains(i)) Removed.Add(i);
            }
            return true;
        }

        public void Unlock()
        {
            RequireLock();
            UnlockCalls++;
            Locked = false;
            Array.Clear(Marked);   // marks not committed are forgotten
        }
    }
}
