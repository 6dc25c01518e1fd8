// What the client session asks of the loop (PollEvent); the answers come back as calls.
namespace MailGateway.Core.Smtp
{
    public static class ClientEvent
    {
        public const int None = 0;
        /// <summary>The server agreed to STARTTLS: upgrade the connection, then CompleteTls(ok, nowMs).</summary>
        public const int StartTls = 1;
        /// <summary>Room for more of the message: offer it with WriteBody (any amount; it says how much
        /// it took), and call EndBody once all of it was taken. Raised again when room comes back.</summary>
        public const int NeedBody = 2;
        /// <summary>The current message is finished: Outcome holds one result per recipient.
        /// Then BeginMessage with the next one, or Quit.</summary>
        public const int MessageDone = 3;
        /// <summary>The session is over (End says how): close the connection.</summary>
        public const int Closed = 4;
        public const int Count = 5;

        private static readonly string[] Names = { "None", "StartTls", "NeedBody", "MessageDone", "Closed" };

        public static string Name(int value)
        {
            return value >= 0 && value < Count ? Names[value] : "?";
        }
    }
}
