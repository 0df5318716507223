namespace Overlay.Node.Tests;

/// <summary>An independent, deliberately naive RFC 1071 checksum (16-bit words, end-around carry after
/// every add) to check the product's implementation and the packets it builds.</summary>
internal static class Rfc1071
{
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        var sum = 0;
        for (var i = 0; i < data.Length; i += 2)
        {
            var word = data[i] << 8 | (i + 1 < data.Length ? data[i + 1] : 0);
            sum += word;
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    /// <summary>True when data that contains its own checksum field verifies.</summary>
    public static bool Verifies(ReadOnlySpan<byte> data) => Checksum(data) == 0;
}
