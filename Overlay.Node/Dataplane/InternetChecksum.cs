using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>Adds <paramref name="data"/> to a running 64-bit sum of big-endian 16-bit words; fold
    /// with <see cref="Finish"/>. Chained spans must each start at an even offset of the summed whole.</summary>
    public static ulong Sum(ReadOnlySpan<byte> data, ulong sum)
    {
        // The one's complement sum does not depend on byte order (RFC 1071 section 2(B)): add
        // native-order words (256-bit vectors of 16-bit halves where the CPU has them, then 32-bit
        // halves of 64-bit loads), fold, and swap the 16-bit result once. Each scalar half is < 2^32
        // and a packet has < 2^15 of them, so the accumulators cannot overflow.
        ref var start = ref MemoryMarshal.GetReference(data);
        var length = data.Length;
        ulong a = 0, b = 0;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
            i = SumVectors(ref start, length, ref a);
        for (; i + 16 <= length; i += 16)
        {
            var x = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i));
            var y = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8));
            a += (x & 0xFFFFFFFF) + (x >> 32);
            b += (y & 0xFFFFFFFF) + (y >> 32);
        }
        a += b;
        for (; i + 4 <= length; i += 4)
            a += Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, i));
        if (i + 2 <= length)
        {
            a += Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i));
            i += 2;
        }
        if (i < length)
            a += Unsafe.Add(ref start, i); // the pad byte is the high-address half of the word
        while (a >> 16 != 0)
            a = (a & 0xFFFF) + (a >> 16);
        var folded = (ushort)a;
        return sum + (BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(folded) : folded);
    }

    // Adds 64-byte blocks as native-order 16-bit halves of 32-bit lanes: each step adds at most
    // 2 x 0xFFFF to a lane, so a lane stays below 2^32 for VectorFlushSteps steps, after which
    // the lanes are added into the 64-bit sum. Returns the bytes consumed (a multiple of 64).
    private static int SumVectors(ref byte start, int length, ref ulong sum)
    {
        var low = Vector256.Create(0xFFFFu);
        var i = 0;
        while (i + 64 <= length)
        {
            var acc0 = Vector256<uint>.Zero;
            var acc1 = Vector256<uint>.Zero;
            for (var steps = 0; steps < VectorFlushSteps && i + 64 <= length; steps++, i += 64)
            {
                var x = Vector256.LoadUnsafe(ref start, (nuint)i).AsUInt32();
                var y = Vector256.LoadUnsafe(ref start, (nuint)(i + 32)).AsUInt32();
                acc0 += (x & low) + (x >> 16);
                acc1 += (y & low) + (y >> 16);
            }
            var (w0, w1) = Vector256.Widen(acc0);
            var (w2, w3) = Vector256.Widen(acc1);
            sum += Vector256.Sum(w0 + w1 + w2 + w3);
        }
        return i;
    }

    private const int VectorFlushSteps = 16384; // 16384 x 2 x 0xFFFF < 2^32 per lane

    /// <summary>The sum of the IPv4 pseudo-header (RFC 793): source, destination (host order),
    /// protocol and L4 length, to add to the L4 header and payload sums.</summary>
    public static ulong PseudoHeaderSum(uint source, uint destination, byte protocol, int length) =>
        (source >> 16) + (source & 0xFFFF) + (destination >> 16) + (destination & 0xFFFF) + protocol + (ulong)length;

    /// <summary>Folds a running sum to 16 bits (not complemented): the value a NEEDS_CSUM packet
    /// carries in its L4 checksum field when the sum is its pseudo-header.</summary>
    public static ushort Fold(ulong sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it.</summary>
    public static ushort Finish(ulong sum) => (ushort)~Fold(sum);
}
