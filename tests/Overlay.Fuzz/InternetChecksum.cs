using System.Buffers.Binary;

namespace Overlay.Fuzz;

/// <summary>The RFC 1071 one's-complement checksum, for fabricated IPv4 headers and ICMP messages.
/// Stateless and thread-safe.</summary>
internal static class InternetChecksum
{
    /// <summary>Returns the checksum of <paramref name="data"/> with its checksum field zeroed by the caller.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
