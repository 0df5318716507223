using System.Buffers.Binary;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The Internet checksum (RFC 1071): the one's complement of the one's complement sum of 16-bit
/// big-endian words, an odd trailing byte padded with zero. Allocation-free; thread-safe.
/// </summary>
public static class InternetChecksum
{
    /// <summary>The checksum of <paramref name="data"/>, host order. Over data that already holds a
    /// correct checksum field the result is 0.</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Sum(data, 0));

    /// <summary>Adds <paramref name="data"/> to a running 64-bit sum; fold with <see cref="Finish"/>.</summary>
    public static ulong Sum(ReadOnlySpan<byte> data, ulong sum)
    {
        // 32-bit words into a 64-bit accumulator: carries cannot overflow for any IPv4-sized input,
        // and folding at the end gives the same result as adding 16-bit words (RFC 1071 section 2).
        var i = 0;
        for (; i + 4 <= data.Length; i += 4)
            sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        if (i + 2 <= data.Length)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            i += 2;
        }
        if (i < data.Length)
            sum += (ulong)data[i] << 8;
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it.</summary>
    public static ushort Finish(ulong sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
