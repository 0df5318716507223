using System.Buffers.Binary;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// A validated view of an IPv4 packet over a span; parsing copies nothing. Only
/// <see cref="TryParse"/> makes one, so every instance has version 4, IHL &gt;= 5, a header that fits
/// the buffer and a total length that is at least the header and at most the buffer. Whether the
/// total length must equal the buffer is the caller's rule (<see cref="Length"/>).
/// </summary>
public readonly ref struct Ipv4Packet
{
    private readonly ReadOnlySpan<byte> _bytes;

    private Ipv4Packet(ReadOnlySpan<byte> bytes, int headerLength, int totalLength)
    {
        _bytes = bytes;
        HeaderLength = headerLength;
        Length = totalLength;
    }

    /// <summary>The header length in bytes (IHL x 4), 20..60.</summary>
    public int HeaderLength { get; }

    /// <summary>The IPv4 total length field: header plus payload, never more than the buffer.</summary>
    public int Length { get; }

    /// <summary>The packet as the total length field says (the buffer may be longer).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes[..Length];

    /// <summary>The header, options included.</summary>
    public ReadOnlySpan<byte> Header => _bytes[..HeaderLength];

    /// <summary>The payload after the header, per the total length field.</summary>
    public ReadOnlySpan<byte> Payload => _bytes[HeaderLength..Length];

    /// <summary>The protocol field (1 = ICMP, 6 = TCP, 17 = UDP).</summary>
    public byte Protocol => _bytes[9];

    /// <summary>Time to live.</summary>
    public byte Ttl => _bytes[8];

    /// <summary>The source address, host order.</summary>
    public uint Source => BinaryPrimitives.ReadUInt32BigEndian(_bytes[12..]);

    /// <summary>The destination address, host order.</summary>
    public uint Destination => BinaryPrimitives.ReadUInt32BigEndian(_bytes[16..]);

    /// <summary>The fragment offset in 8-byte units; non-zero marks a non-first fragment.</summary>
    public int FragmentOffset => BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]) & FragmentOffsetMask;

    /// <summary>True when the More Fragments flag is set.</summary>
    public bool MoreFragments => (BinaryPrimitives.ReadUInt16BigEndian(_bytes[6..]) & MoreFragmentsFlag) != 0;

    /// <summary>True when the header checksum verifies (RFC 1071 sum over the header is 0xFFFF).</summary>
    public bool HasValidHeaderChecksum => InternetChecksum.Compute(Header) == 0;

    /// <summary>Why <see cref="TryParse"/> rejected a buffer.</summary>
    public enum ParseError
    {
        /// <summary>Parsed.</summary>
        None,
        /// <summary>Empty, or the version nibble is not 4.</summary>
        NotIpv4,
        /// <summary>Version 4 but the header or total length does not fit the buffer.</summary>
        Malformed,
    }

    /// <summary>
    /// Validates <paramref name="buffer"/> as an IPv4 packet: version 4 (else
    /// <see cref="ParseError.NotIpv4"/>), at least 20 bytes, IHL &gt;= 5, header within the buffer,
    /// header &lt;= total length &lt;= buffer length (else <see cref="ParseError.Malformed"/>).
    /// Never throws.
    /// </summary>
    public static ParseError TryParse(ReadOnlySpan<byte> buffer, out Ipv4Packet packet)
    {
        packet = default;
        if (buffer.IsEmpty || buffer[0] >> 4 != Ipv4Version)
            return ParseError.NotIpv4;
        if (buffer.Length < MinIpv4Header)
            return ParseError.Malformed;
        var headerLength = (buffer[0] & 0x0F) * 4;
        if (headerLength < MinIpv4Header || headerLength > buffer.Length)
            return ParseError.Malformed;
        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (totalLength < headerLength || totalLength > buffer.Length)
            return ParseError.Malformed;
        packet = new Ipv4Packet(buffer, headerLength, totalLength);
        return ParseError.None;
    }
}
