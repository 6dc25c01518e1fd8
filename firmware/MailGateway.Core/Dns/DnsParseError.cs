// Why a DNS message could not be read (RFC 1035 §4.1 wire format, §4.1.4 compression). The codec
// returns one of these as a value; hostile or broken input never throws out of it.
namespace MailGateway.Core.Dns
{
    public enum DnsParseError
    {
        None,
        /// <summary>Fewer than the 12 header bytes.</summary>
        ShortHeader,
        /// <summary>A count in the header promises more than the bytes hold, or a field runs past the end.</summary>
        UnexpectedEnd,
        /// <summary>A label length byte with the reserved 01 or 10 top bits (RFC 6891 §5 retired them).</summary>
        BadLabelType,
        /// <summary>A name longer than 255 octets on the wire (RFC 1035 §2.3.4).</summary>
        NameTooLong,
        /// <summary>A compression pointer that does not point before the name it is part of (this also rules out loops).</summary>
        BadPointer,
        /// <summary>More compression pointers in one name than any sane encoder writes.</summary>
        TooManyPointers,
        /// <summary>RDATA whose length does not fit its type (an A record of 5 bytes, an MX name that overruns).</summary>
        BadRecordData,
        /// <summary>More CNAMEs in one section than any chain the gateway follows (DnsMessage.MaxKeptAliases); other records beyond the bound are cut, not an error.</summary>
        TooManyRecords,
        /// <summary>A bug in the codec caught at its edge; the tests assert this never happens.</summary>
        Internal,
        Count,
    }

    public static class DnsParseErrorNames
    {
        private static readonly string[] Names =
        {
            "none", "short header", "unexpected end", "bad label type", "name too long", "bad compression pointer",
            "too many compression pointers", "bad record data", "too many records", "internal error",
        };

        public static string Name(DnsParseError error)
        {
            int i = (int)error;
            return i >= 0 && i < Names.Length ? Names[i] : "error " + i.ToString();
        }
    }
}
