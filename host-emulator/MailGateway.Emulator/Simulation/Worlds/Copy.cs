// A message as it arrived somewhere final: in a sink's store (the sink answered its final dot, or
// swallowed its answer) or in a mailbox on a gateway's card (seen on the card or fetched by POP3).
// Parse reads what the checker needs from the bytes: the trace fields the gateways put on top
// (Received:, Return-Path:, Delivered-To:) are set apart, the Message-ID names the message, and a
// delivery status notification (RFC 3464) is read for the message it reports on (the X-Sim-Tag
// quoted among the original headers) and each recipient's Action.
using System;
using System.Collections.Generic;
using System.Text;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public sealed class Copy
    {
        /// <summary>"sink mx1.ccc.de", "mailbox B/person2".</summary>
        public string Place;
        /// <summary>Unique within Place for one stored copy.</summary>
        public string CopyId;
        /// <summary>The gateway that handed it over (name), for the crash rules.</summary>
        public string Via;
        /// <summary>Envelope sender as the destination saw it ("" null).</summary>
        public string Sender;
        /// <summary>Envelope recipients this copy was for.</summary>
        public string[] Recipients;
        /// <summary>Bytes as stored, trace fields included.</summary>
        public byte[] Data;
        public long AtMs;

        // Parsed (Parse)
        public string MessageId;
        /// <summary>The world message this is a copy of, or null (a notification, or garbage).</summary>
        public string Tag;
        /// <summary>The content without the leading trace fields.</summary>
        public byte[] Content;
        /// <summary>A delivery status notification: the tag it reports on, or null.</summary>
        public string ReportAbout;
        /// <summary>For a notification: (recipient, action) per recipient block.</summary>
        public List<KeyValuePair<string, string>> ReportActions = new List<KeyValuePair<string, string>>();

        public void Parse()
        {
            int start = SkipTrace(Data);
            Content = new byte[Data.Length - start];
            Buffer.BlockCopy(Data, start, Content, 0, Content.Length);
            string text = Encoding.Latin1.GetString(Content);
            int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            string header = headerEnd < 0 ? text : text.Substring(0, headerEnd + 2);
            MessageId = Field(header, "Message-ID");
            Tag = MessageSpec.TagOf(MessageId);
            if (Field(header, "Content-Type") is string type && type.StartsWith("multipart/report", StringComparison.OrdinalIgnoreCase))
            {
                ReportAbout = AfterLabel(text, "\r\nX-Sim-Tag: ");
                string recipient = null;
                foreach (string line in text.Split("\r\n"))
                {
                    if (line.StartsWith("Final-Recipient: rfc822; ", StringComparison.Ordinal)) recipient = line.Substring(25).Trim();
                    else if (line.StartsWith("Action: ", StringComparison.Ordinal) && recipient != null)
                    {
                        ReportActions.Add(new KeyValuePair<string, string>(recipient, line.Substring(8).Trim()));
                        recipient = null;
                    }
                }
            }
        }

        /// <summary>Where the content starts: after every leading Received:, Return-Path: and Delivered-To: field.</summary>
        public static int SkipTrace(byte[] data)
        {
            int at = 0;
            while (StartsWithField(data, at, "Received:") || StartsWithField(data, at, "Return-Path:") || StartsWithField(data, at, "Delivered-To:"))
            {
                // The field and its folded continuation lines.
                do
                {
                    int lf = Array.IndexOf(data, (byte)10, at);
                    if (lf < 0) return data.Length;
                    at = lf + 1;
                } while (at < data.Length && (data[at] == ' ' || data[at] == '\t'));
            }
            return at;
        }

        private static bool StartsWithField(byte[] data, int at, string name)
        {
            if (data.Length - at < name.Length) return false;
            for (int i = 0; i < name.Length; i++)
            {
                if (char.ToLowerInvariant((char)data[at + i]) != char.ToLowerInvariant(name[i])) return false;
            }
            return true;
        }

        // The first field of that name in a header section (unfolded, trimmed), or null.
        private static string Field(string header, string name)
        {
            string lower = "\r\n" + header;
            int at = lower.IndexOf("\r\n" + name + ":", StringComparison.OrdinalIgnoreCase);
            if (at < 0) return null;
            int start = at + 2 + name.Length + 1;
            int end = lower.IndexOf("\r\n", start, StringComparison.Ordinal);
            while (end >= 0 && end + 2 < lower.Length && (lower[end + 2] == ' ' || lower[end + 2] == '\t')) end = lower.IndexOf("\r\n", end + 2, StringComparison.Ordinal);
            string value = end < 0 ? lower.Substring(start) : lower.Substring(start, end - start);
            return value.Replace("\r\n", "").Trim();
        }

        private static string AfterLabel(string text, string label)
        {
            int at = text.IndexOf(label, StringComparison.Ordinal);
            if (at < 0) return null;
            int end = text.IndexOf("\r\n", at + label.Length, StringComparison.Ordinal);
            return end < 0 ? null : text.Substring(at + label.Length, end - at - label.Length).Trim();
        }
    }
}
