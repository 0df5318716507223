using System.Net;
using Overlay.Actors.Leases;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// Lease requests for hosts that do not exist. The registry re-grants by public IP, so every fake
/// holder needs its own address: they come from 198.18.0.0/15 (RFC 2544, benchmarking), which is
/// registry data only. No packet is ever sent to them: the in-process runs use a recording data
/// path, and the memory run sends no traffic.
/// </summary>
public static class FakeHolder
{
    private const uint Base = 198u << 24 | 18u << 16; // 198.18.0.0
    private const int Capacity = 1 << 17;              // a /15

    /// <summary>The <paramref name="index"/>-th fake holder's AcquireLease (index below 131,072).</summary>
    public static AcquireLease Request(string prefix, int index, string memberAddress = "")
    {
        if (index is < 0 or >= Capacity)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"fake holder index must be in 0..{Capacity - 1}");
        var address = new IPAddress(BitConverterBigEndian(Base + (uint)index));
        return new AcquireLease($"{prefix}-{index}", address, 8285, null, memberAddress);
    }

    private static byte[] BitConverterBigEndian(uint value) =>
        [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
