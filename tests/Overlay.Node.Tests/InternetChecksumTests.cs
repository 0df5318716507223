using CsCheck;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Tests;

public class InternetChecksumTests
{
    [Fact]
    public void Matches_the_naive_rfc1071_sum_for_any_input() =>
        Gen.Byte.Array[0, 1600].Sample(data => Assert.Equal(Rfc1071.Checksum(data), InternetChecksum.Compute(data)));

    [Fact]
    public void Matches_the_naive_sum_up_to_a_64_KiB_super_packet() =>
        Gen.Byte.Array[1600, 65535].Sample(data => Assert.Equal(Rfc1071.Checksum(data), InternetChecksum.Compute(data)), iter: 200);

    [Theory]
    [InlineData(0xFF, 65535)]   // every lane at its largest: the vector accumulators must not overflow
    [InlineData(0xFF, 64)]
    [InlineData(0x00, 65535)]
    [InlineData(0x80, 1_048_576)] // longer than one flush of the vector lanes
    public void Matches_the_naive_sum_at_the_accumulator_limits(byte fill, int length)
    {
        var data = new byte[length];
        Array.Fill(data, fill);
        Assert.Equal(Rfc1071.Checksum(data), InternetChecksum.Compute(data));
    }

    [Fact]
    public void Rfc1071_example_from_section_3()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d.
        Assert.Equal(0x220D, InternetChecksum.Compute(Packets.Hex("0001f203f4f5f6f7")));
    }
}
