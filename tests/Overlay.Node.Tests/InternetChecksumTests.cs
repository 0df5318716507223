using CsCheck;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Tests;

public class InternetChecksumTests
{
    [Fact]
    public void Matches_the_naive_rfc1071_sum_for_any_input() =>
        Gen.Byte.Array[0, 1600].Sample(data => Assert.Equal(Rfc1071.Checksum(data), InternetChecksum.Compute(data)));

    [Fact]
    public void Rfc1071_example_from_section_3()
    {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2, checksum 220d.
        Assert.Equal(0x220D, InternetChecksum.Compute(Packets.Hex("0001f203f4f5f6f7")));
    }
}
