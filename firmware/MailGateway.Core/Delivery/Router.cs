// Decides where a recipient's mail goes (DESIGN step 2): a static route for its domain first
// (route.<domain>, e.g. the internal mailbox host of step 4), then local domains (kept for local
// mailboxes), then the smarthost if one is configured (most home users need it: their ISP blocks
// port 25), else the domain's MX hosts through DNS on delivery.port.
using MailGateway.Core.Config;

namespace MailGateway.Core.Delivery
{
    public sealed class Router
    {
        private readonly GatewayConfig _config;

        public Router(GatewayConfig config)
        {
            _config = config;
        }

        public Destination Route(string recipientAddress)
        {
            int at = recipientAddress.LastIndexOf('@');
            string domain = at < 0 ? "" : Text.Ascii.ToLower(recipientAddress.Substring(at + 1));
            for (int i = 0; i < _config.Routes.Length; i++)
            {
                if (_config.Routes[i].Domain == domain) return new Destination(Destination.Route, domain, _config.Routes[i].Target);
            }
            if (domain.Length == 0 || IsLocal(domain)) return new Destination(Destination.Local, domain, null);
            if (_config.Smarthost != null) return new Destination(Destination.Smarthost, domain, _config.Smarthost);
            return new Destination(Destination.Mx, domain, null);
        }

        private bool IsLocal(string domain)
        {
            for (int i = 0; i < _config.LocalDomains.Length; i++)
            {
                if (_config.LocalDomains[i] == domain) return true;
            }
            return false;
        }
    }
}
