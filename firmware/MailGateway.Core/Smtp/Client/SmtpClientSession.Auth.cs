// AUTH (RFC 4954) with PLAIN (RFC 4616) or LOGIN (draft-murchison-sasl-login), PLAIN preferred.
// Credentials go only over TLS unless ClientSettings.AuthWithoutTls; they are UTF-8, Base64-coded
// (Convert.ToBase64String, in both nanoFramework's and .NET's mscorlib), and dropped after use.
//   PLAIN: "AUTH PLAIN <base64(authzid NUL user NUL password)>" — the initial response rides with
//          the command unless the line would pass 512 octets; then "AUTH PLAIN", 334, response
//          (RFC 4954 §4).
//   LOGIN: "AUTH LOGIN", 334, base64(user), 334, base64(password).
// 235 → ready. 535 (and any 5xx) → Refused: the credentials will not work at the next address
// either, so every pending recipient is Permanent. 4xx (454) → TryNextAddress.
namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpClientSession
    {
        // Authentication
        private string[] _authResponses;
        private int _authStep;
        private bool _authCancelled;

        private void StartAuthentication(long nowMs)
        {
            if (_settings.AuthUser == null)
            {
                Ready(nowMs);
                return;
            }
            if (!_tls && !_settings.AuthWithoutTls)
            {
                Fail(ClientReplies.AuthNeedsTls, false, DeliveryStatus.Transient, true, nowMs);
                return;
            }
            if (_server.AuthPlain)
            {
                // RFC 4616 §2: message = [authzid] NUL authcid NUL passwd
                string response = System.Convert.ToBase64String(PlainMessage());
                if ("AUTH PLAIN ".Length + response.Length + 2 <= MaxCommandLine)
                {
                    _authResponses = new string[0];
                    Queue("AUTH PLAIN " + response);
                }
                else
                {
                    _authResponses = new string[] { response };
                    Queue("AUTH PLAIN");
                }
            }
            else if (_server.AuthLogin)
            {
                _authResponses = new string[]
                {
                    System.Convert.ToBase64String(Utf8(_settings.AuthUser)),
                    System.Convert.ToBase64String(Utf8(_settings.AuthPassword)),
                };
                Queue("AUTH LOGIN");
            }
            else
            {
                Fail(ClientReplies.AuthNotOffered, false, DeliveryStatus.Transient, true, nowMs);
                return;
            }
            _authStep = 0;
            _authCancelled = false;
            _state = ClientState.AwaitingAuth;
            _deadlineMs = nowMs + _settings.CommandTimeoutMs;
        }

        private void OnAuth(Reply reply, long nowMs)
        {
            if (reply.Code == 334 && !_authCancelled)
            {
                _deadlineMs = nowMs + _settings.CommandTimeoutMs;
                if (_authStep < _authResponses.Length)
                {
                    Queue(_authResponses[_authStep++]);
                    return;
                }
                // A challenge we have no answer for: cancel the exchange (RFC 4954 §4: "*"),
                // the server answers 501, and the attempt fails as a protocol error.
                _authCancelled = true;
                Queue("*");
                return;
            }
            _authResponses = null;
            if (_authCancelled || reply.Code < 200 || (reply.Code >= 300 && reply.Code < 400))
            {
                Fail(ClientReplies.ProtocolError("unexpected AUTH exchange (" + reply.Format(true) + ")", _state),
                     false, DeliveryStatus.Transient, reply.Code >= 400, nowMs);
                return;
            }
            if (reply.Code < 300)
            {
                Ready(nowMs);   // 235 2.7.0 (RFC 4954 §6); no EHLO again after AUTH
                return;
            }
            // 535 5.7.8 credentials invalid, 534/538 mechanism: Permanent. 454 4.7.0: Transient.
            Fail(reply, true, DeliveryStatus.OfFailure(reply), true, nowMs);
        }

        private byte[] PlainMessage()
        {
            byte[] identity = Utf8(_settings.AuthIdentity == null ? "" : _settings.AuthIdentity);
            byte[] user = Utf8(_settings.AuthUser);
            byte[] password = Utf8(_settings.AuthPassword);
            byte[] message = new byte[identity.Length + 1 + user.Length + 1 + password.Length];
            System.Array.Copy(identity, 0, message, 0, identity.Length);
            System.Array.Copy(user, 0, message, identity.Length + 1, user.Length);
            System.Array.Copy(password, 0, message, identity.Length + 1 + user.Length + 1, password.Length);
            return message;
        }

        // UTF-8 (RFC 4616 §2 wants UTF-8; nanoFramework has no Encoding). A lone surrogate becomes U+FFFD.
        private static byte[] Utf8(string text)
        {
            int length = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < 0x80) length += 1;
                else if (c < 0x800) length += 2;
                else if (IsSurrogatePair(text, i))
                {
                    length += 4;
                    i++;
                }
                else length += 3;
            }
            byte[] bytes = new byte[length];
            int n = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int c = text[i];
                if (IsSurrogatePair(text, i))
                {
                    c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
                    i++;
                    bytes[n++] = (byte)(0xF0 | (c >> 18));
                    bytes[n++] = (byte)(0x80 | ((c >> 12) & 0x3F));
                    bytes[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    bytes[n++] = (byte)(0x80 | (c & 0x3F));
                    continue;
                }
                if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
                if (c < 0x80)
                {
                    bytes[n++] = (byte)c;
                }
                else if (c < 0x800)
                {
                    bytes[n++] = (byte)(0xC0 | (c >> 6));
                    bytes[n++] = (byte)(0x80 | (c & 0x3F));
                }
                else
                {
                    bytes[n++] = (byte)(0xE0 | (c >> 12));
                    bytes[n++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                    bytes[n++] = (byte)(0x80 | (c & 0x3F));
                }
            }
            return bytes;
        }

        private static bool IsSurrogatePair(string text, int i)
        {
            return text[i] >= 0xD800 && text[i] <= 0xDBFF && i + 1 < text.Length &&
                   text[i + 1] >= 0xDC00 && text[i + 1] <= 0xDFFF;
        }
    }
}
