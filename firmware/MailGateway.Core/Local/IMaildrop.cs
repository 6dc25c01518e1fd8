// One user's mailbox as the POP3 session sees it (RFC 1939 §3 "maildrop"): a fixed list of
// messages, read in pieces, never whole. The loop opens and locks it before it hands it to the
// session (CompleteAuth); the session reads through it, marks deletions, and unlocks it when the
// session ends. Deletions happen only in CommitDeletions, which the loop calls at QUIT (Commit).
// Indexes are 0-based (POP3 message number n is index n-1); the list does not change while the
// maildrop is locked, so message numbers stay fixed for the session (RFC 1939 §7 requirement).
namespace MailGateway.Core.Local
{
    public interface IMaildrop
    {
        /// <summary>Messages in the maildrop when it was locked, deleted or not.</summary>
        int Count { get; }

        /// <summary>The message's size in octets as sent: CRLF line ends, before byte-stuffing.</summary>
        long Size(int index);

        /// <summary>The message's unique id (RFC 1939 §7 UIDL): 1 to 70 printable ASCII chars (0x21-0x7E), stable across sessions.</summary>
        string Uid(int index);

        /// <summary>
        /// Copies up to count bytes of the raw message (CRLF lines, not byte-stuffed) from position into
        /// buffer; returns how many, 0 only at the end of the message. May return fewer than asked.
        /// </summary>
        int Read(int index, long position, byte[] buffer, int offset, int count);

        /// <summary>Marks the message for deletion at commit; nothing is removed yet.</summary>
        void MarkDeleted(int index);

        /// <summary>Forgets every mark (RSET).</summary>
        void UnmarkAll();

        /// <summary>Removes the marked messages durably; false when some could not be removed.</summary>
        bool CommitDeletions();

        /// <summary>Releases the lock; marks not committed are forgotten. Called once, by the session.</summary>
        void Unlock();
    }
}
