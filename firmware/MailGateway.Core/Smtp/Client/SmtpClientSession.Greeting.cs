// The greeting phase (RFC 5321 §3.1, §4.1.1.1, §4.1.4; RFC 3207): 220, EHLO or HELO, STARTTLS,
// then AUTH (SmtpClientSession.Auth.cs), until the session is ready for messages.
// Failures here happen before any recipient was accepted, so they end TryNextAddress — except a
// 5xx to HELO (the server refuses us, Refused).
namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpClientSession
    {
        private void OnGreeting(Reply reply, long nowMs)
        {
            if (reply.Code == 220)
            {
                _greeting = reply.Text;
                SendEhlo(nowMs);
                return;
            }
            // A 4xx or 5xx greeting (421 is handled before): this server will not serve us now.
            // Like Postfix (smtp_skip_5xx_greeting) we try the next address even after a 5xx, and
            // send QUIT first (RFC 5321 §3.1).
            if (reply.Code >= 400) Fail(reply, true, DeliveryStatus.Transient, true, nowMs);
            else Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
        }

        private void SendEhlo(long nowMs)
        {
            _server.Clear();
            Queue("EHLO " + _settings.Hostname);
            _state = ClientState.AwaitingEhlo;
            _deadlineMs = nowMs + _settings.EhloTimeoutMs;
        }

        private void OnEhlo(Reply reply, long nowMs)
        {
            if (reply.Code >= 200 && reply.Code < 300)
            {
                _server.ReadEhlo(_reader, _settings.DiscardEhloKeywords);
                AfterHello(nowMs);
            }
            else if (reply.Code >= 500)
            {
                // RFC 5321 §3.2: a server that does not know EHLO answers 5xx; fall back to HELO.
                Queue("HELO " + _settings.Hostname);
                _state = ClientState.AwaitingHelo;
                _deadlineMs = nowMs + _settings.EhloTimeoutMs;
            }
            else if (reply.Code >= 400)
            {
                Fail(reply, true, DeliveryStatus.Transient, true, nowMs);
            }
            else
            {
                Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
            }
        }

        private void OnHelo(Reply reply, long nowMs)
        {
            if (reply.Code >= 200 && reply.Code < 300)
            {
                // No extensions after HELO: no PIPELINING, SIZE, STARTTLS or AUTH.
                _server.Clear();
                AfterHello(nowMs);
            }
            else if (reply.Code >= 400)
            {
                // Both greetings refused with 5xx: the server will not talk to us (Postfix: hard error).
                Fail(reply, true, DeliveryStatus.OfFailure(reply), true, nowMs);
            }
            else
            {
                Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
            }
        }

        private void AfterHello(long nowMs)
        {
            if (!_tls && _settings.Tls != ClientTls.Off)
            {
                if (_server.StartTls)
                {
                    // RFC 3207 §4: STARTTLS alone, never pipelined with anything after it.
                    Queue("STARTTLS");
                    _state = ClientState.AwaitingStartTls;
                    _deadlineMs = nowMs + _settings.CommandTimeoutMs;
                    return;
                }
                if (_settings.Tls == ClientTls.Required)
                {
                    Fail(ClientReplies.TlsNotOffered, false, DeliveryStatus.Transient, true, nowMs);
                    return;
                }
            }
            StartAuthentication(nowMs);
        }

        private void OnStartTls(Reply reply, long nowMs)
        {
            if (reply.Code == 220)
            {
                // Receive drops the rest of the input from here until CompleteTls.
                _state = ClientState.AwaitingTls;
                _deadlineMs = nowMs + _settings.CommandTimeoutMs;
                _events.Add(ClientEvent.StartTls);
            }
            else if (reply.Code >= 400)
            {
                // RFC 3207 §4.1: the client may go on without TLS — unless it must not.
                if (_settings.Tls == ClientTls.Required) Fail(reply, true, DeliveryStatus.Transient, true, nowMs);
                else StartAuthentication(nowMs);
            }
            else
            {
                Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
            }
        }

        // Greeted (and encrypted and authenticated as configured): send the message given, if any.
        private void Ready(long nowMs)
        {
            _state = ClientState.AwaitingMessage;
            _deadlineMs = NoDeadline;
            if (_outcome != null) StartMessage(nowMs);
            else if (_quitRequested) SendQuit(nowMs);
        }
    }
}
