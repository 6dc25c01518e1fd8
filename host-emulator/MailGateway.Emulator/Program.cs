// mailgw: command-line entry point (filled in by the CLI work).
namespace MailGateway.Emulator
{
    public static class Program
    {
        public static int Main(string[] args)
        {
            return 0;
        }
    }
}
