// STARTTLS (RFC 3207) and AUTH PLAIN / LOGIN (RFC 4954, RFC 4616), sans-I/O like the rest: the
// session queues its reply and emits an event; the loop does the handshake or checks the password
// and answers with CompleteTls or CompleteAuth. Until then the session reads nothing.
//
// STARTTLS
//   Offered in EHLO when ServerSettings.TlsAvailable and TLS is not active yet. "STARTTLS" takes no
//   parameters (501) and is allowed between transactions only (503). Not offered: 503 when TLS is
//   active already, else 502. Every TLS session in use (ServerSettings.TlsSessions): 454 4.7.0 and
//   the session goes on in plaintext. Otherwise the session replies "220 2.0.0 Ready to start TLS", emits StartTls and
//   stops consuming input at the end of the STARTTLS line, so whatever the client pipelined behind
//   it stays with the loop, which must discard it (CVE-2011-0411). CompleteTls(true) forgets
//   everything the client said (RFC 3207 §4.2): HELO name, transaction, authentication, the line
//   being read; the client must send EHLO again. CompleteTls(false) closes the session silently
//   (the connection is in no state to carry a reply).
// AUTH
//   Offered ("AUTH PLAIN LOGIN") once TLS is active, or without TLS when ServerSettings.AuthPlaintext
//   (LAN devices without TLS). Not offered: 538 5.7.11 when STARTTLS would make it available — the
//   reply RFC 4954 §6 defines for exactly that case; it says modern servers should not advertise
//   such mechanisms, and we do not, but the code tells a client that tries anyway what to do — and
//   503 5.5.1 when this connection cannot get AUTH at all (Postfix's reply). After a successful AUTH
//   another one is 503 (RFC 4954 §4); during a transaction 503 from the verb table.
//   PLAIN takes an initial response or answers an empty "334 "; LOGIN asks "334 VXNlcm5hbWU6"
//   (Username:) and "334 UGFzc3dvcmQ6" (Password:) — the de-facto standard — and takes an initial
//   response as the user name. "*" cancels (501 5.7.0); bad Base64 is 501 5.5.2; a response that
//   decodes to something other than the mechanism's message (or to invalid UTF-8) is 501 5.5.2; an
//   exchange line longer than limits.command_line is 500 5.5.6. Complete credentials go to the loop
//   with AuthRequested (AuthMechanism, AuthUser, AuthPassword); CompleteAuth(235 …) authenticates,
//   any other reply is sent as it is and counted as an error. The password is dropped at the
//   verdict, and whenever the session closes; it is never logged.
// Deliberately not here: CRAM-MD5, SCRAM (the device keeps password hashes, not secrets), AUTH= on
// MAIL FROM, SASL security layers.
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpServerSession
    {
        public const string MechanismPlain = "PLAIN";
        public const string MechanismLogin = "LOGIN";

        // ---- Reading the state -------------------------------------------------------------

        /// <summary>TLS is active: after a successful STARTTLS, or from the start on an implicit-TLS listener.</summary>
        public bool IsTls { get { return _tls; } }

        public bool IsAuthenticated { get { return _authenticated; } }

        /// <summary>"PLAIN" or "LOGIN" while credentials are checked and after success; else null.</summary>
        public string AuthMechanism { get { return _authMechanism; } }

        /// <summary>The user to check (at AuthRequested); after success the authenticated user; else null.</summary>
        public string AuthUser { get { return _authUser; } }

        /// <summary>The password to check, only between AuthRequested and CompleteAuth; else null. Never log it.</summary>
        public string AuthPassword { get { return _authPassword; } }

        private bool StartTlsOffered { get { return _settings.TlsAvailable && !_tls; } }

        private bool AuthOffered { get { return _tls || _settings.AuthPlaintext; } }

        // The refusal for STARTTLS or AUTH when it is not offered on this connection now; else null.
        private Reply NotOfferedReply(int verb)
        {
            if (verb == SmtpVerb.StartTls)
            {
                if (_tls) return Replies.AlreadyTls;
                if (!_settings.TlsAvailable) return Replies.NotImplemented;
            }
            else if (verb == SmtpVerb.Auth)
            {
                if (_authenticated) return Replies.AlreadyAuthenticated;
                if (!AuthOffered) return StartTlsOffered ? Replies.EncryptionRequired : Replies.AuthNotEnabled;
            }
            return null;
        }

        // ---- STARTTLS ------------------------------------------------------------------------

        private void HandleStartTls(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Replies.NoParameters);
                return;
            }
            if (_settings.TlsSessions != null && !_settings.TlsSessions.HasFree)
            {
                // RFC 3207 §4: a temporary reason; the client may go on in plaintext or come back.
                _logLines.Add("STARTTLS from " + ClientName() + " refused: every TLS session is in use (limits.tls_sessions = " +
                              _settings.TlsSessions.Limit.ToString() + ")");
                Send(Replies.TlsBusy);
                return;
            }
            Send(Replies.ReadyToStartTls);
            // Receive stops at the end of this line: nothing behind it is read before the handshake.
            _state = ServerState.AwaitingTls;
            _events.Add(SessionEvent.StartTls);
        }

        /// <summary>
        /// The loop's TLS handshake after StartTls ended: true — TLS is active and the session starts
        /// over, waiting for EHLO; false — the session is closed. Ignored when the session closed
        /// meanwhile (EOF, Shutdown); throws when no handshake was asked for.
        /// </summary>
        public void CompleteTls(bool ok)
        {
            if (_state >= ServerState.Closing) return;
            RequireState(ServerState.AwaitingTls, "CompleteTls");
            // CVE-2011-0411: no plaintext byte may survive into the TLS session. Receive took none
            // after the STARTTLS line; clear the line reader anyway, so that holds by construction.
            _lines.Clear();
            if (!ok)
            {
                _logLines.Add("TLS handshake failed after STARTTLS from " + ClientName());
                _output.Clear();
                _state = ServerState.Closed;
                return;
            }
            // RFC 3207 §4.2: discard any knowledge obtained from the client before TLS.
            _tls = true;
            ResetTransaction();
            _helo = null;
            _extended = false;
            _authenticated = false;
            _authMechanism = null;
            _authUser = null;
            ForgetCredentials();
            _state = ServerState.AwaitingHelo;
        }

        // ---- AUTH ----------------------------------------------------------------------------

        // "AUTH mechanism [initial-response]" (RFC 4954 §4).
        private void HandleAuth(string argument)
        {
            argument = Ascii.Trim(argument);
            int space = argument.IndexOf(' ');
            string mechanism = space < 0 ? argument : argument.Substring(0, space);
            string initial = space < 0 ? null : Ascii.Trim(argument.Substring(space + 1));
            if (mechanism.Length == 0 || (initial != null && initial.IndexOf(' ') >= 0))
            {
                SendError(Replies.AuthSyntax);
                return;
            }
            if (Ascii.EqualsIgnoreCase(mechanism, MechanismPlain)) _authMechanism = MechanismPlain;
            else if (Ascii.EqualsIgnoreCase(mechanism, MechanismLogin)) _authMechanism = MechanismLogin;
            else
            {
                SendError(Replies.AuthMechanismUnknown);
                return;
            }
            _authStep = 0;
            _authUser = null;
            if (initial != null)
            {
                HandleAuthData(initial);
                return;
            }
            _state = ServerState.AwaitingAuthResponse;
            Send(_authMechanism == MechanismPlain ? Replies.AuthEmptyChallenge : Replies.AuthUsernameChallenge);
        }

        // One line of the client's half of the exchange, after a 334.
        private void HandleAuthResponse(string line)
        {
            if (line == "*")
            {
                // RFC 4954 §4: the client cancels the exchange.
                EndAuthExchange();
                SendError(Replies.AuthCancelled);
                return;
            }
            HandleAuthData(line);
        }

        private void HandleAuthData(string text)
        {
            byte[] data;
            if (!SaslDecoder.TryDecodeBase64(text, out data))
            {
                EndAuthExchange();
                SendError(Replies.AuthBadBase64);
                return;
            }
            if (_authMechanism == MechanismPlain)
            {
                string authzid, user, password;
                bool ok = SaslDecoder.TryParsePlain(data, out authzid, out user, out password);
                System.Array.Clear(data, 0, data.Length);
                if (!ok)
                {
                    EndAuthExchange();
                    SendError(Replies.AuthMalformed);
                    return;
                }
                if (authzid.Length > 0 && authzid != user)
                {
                    // RFC 4616 §2: acting as another user is not supported; refuse without asking the loop.
                    _logLines.Add(ClientName() + ": SASL PLAIN authentication failed: " + Replies.AuthFailed.Format(true) +
                                  " (authorization identity differs), sasl_username=" + user);
                    EndAuthExchange();
                    SendError(Replies.AuthFailed);
                    return;
                }
                RequestVerdict(user, password);
                return;
            }
            // LOGIN: the user name, then the password, each on its own line.
            string value;
            bool valid = SaslDecoder.TryDecodeUtf8(data, 0, data.Length, out value) && value.Length > 0;
            System.Array.Clear(data, 0, data.Length);
            if (!valid)
            {
                EndAuthExchange();
                SendError(Replies.AuthMalformed);
                return;
            }
            if (_authStep == 0)
            {
                _authUser = value;
                _authStep = 1;
                _state = ServerState.AwaitingAuthResponse;
                Send(Replies.AuthPasswordChallenge);
                return;
            }
            RequestVerdict(_authUser, value);
        }

        private void AuthLineTooLong()
        {
            EndAuthExchange();
            SendError(Replies.AuthLineTooLong);
        }

        private void RequestVerdict(string user, string password)
        {
            _authUser = user;
            _authPassword = password;
            _state = ServerState.AwaitingAuthVerdict;
            _events.Add(SessionEvent.AuthRequested);
        }

        /// <summary>
        /// The loop's verdict on AuthUser/AuthPassword after AuthRequested: Replies.AuthSucceeded (any
        /// 235) authenticates the client; any other reply — 535 5.7.8 for bad credentials, 454 4.7.0
        /// when throttled — is sent as it is and counts as an error. The password is forgotten either
        /// way. Ignored when the session closed meanwhile; throws when no verdict was asked for, or
        /// for a positive reply other than 235.
        /// </summary>
        public void CompleteAuth(Reply verdict)
        {
            if (_state >= ServerState.Closing)
            {
                ForgetCredentials();
                return;
            }
            RequireState(ServerState.AwaitingAuthVerdict, "CompleteAuth");
            if (verdict.IsPositive && verdict.Code != 235)
            {
                throw new System.ArgumentException("CompleteAuth: a positive verdict must be 235, not " + verdict.Code.ToString());
            }
            _authPassword = null;
            _state = ServerState.AwaitingMail;
            if (verdict.Code == 235)
            {
                _authenticated = true;
                Send(verdict);
                return;
            }
            // Postfix: "warning: unknown[…]: SASL LOGIN authentication failed: …, sasl_username=…"
            _logLines.Add(ClientName() + ": SASL " + _authMechanism + " authentication failed: " + verdict.Format(true) +
                          ", sasl_username=" + _authUser);
            EndAuthExchange();
            SendError(verdict);
        }

        // The exchange ended without success: back to waiting for MAIL, nothing of it kept.
        private void EndAuthExchange()
        {
            _state = ServerState.AwaitingMail;
            _authMechanism = null;
            _authUser = null;
            _authStep = 0;
            _authPassword = null;
        }

        // Drops what must not outlive the exchange; an authenticated user's name stays for the log.
        private void ForgetCredentials()
        {
            _authPassword = null;
            if (!_authenticated)
            {
                _authUser = null;
                _authMechanism = null;
            }
        }
    }
}
