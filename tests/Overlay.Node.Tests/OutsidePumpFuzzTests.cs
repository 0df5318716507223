using System.Buffers.Binary;
using Overlay.Node.Dataplane;
using Overlay.Node.Udp;
using static Overlay.Node.Tests.Packets;

namespace Overlay.Node.Tests;

public class OutsidePumpFuzzTests
{
    private const int Datagrams = 20_000;

    /// <summary>
    /// Feeds random, truncated, corrupted, misaddressed and spoofed datagrams into the UDP side. Each
    /// is invalid by construction (see the generators), so none may reach the TUN, none may throw, and
    /// every one must be counted as exactly one drop.
    /// </summary>
    [Fact]
    public void No_bad_datagram_reaches_the_tun_and_every_one_is_counted()
    {
        using var f = new PumpFixture();
        var random = new Random(20261126);
        var generators = new Func<Random, (byte[], UdpSource)>[]
        {
            RandomBytes, Truncated, Padded, HeaderByteFlipped, BadIhl, NotForUs, Spoofed, UnknownInnerSource,
        };

        for (var i = 0; i < Datagrams; i++)
        {
            var (datagram, source) = generators[i % generators.Length](random);
            f.Outside.Process(datagram, source);
        }

        Assert.Equal(0, f.Tun.WrittenCount);
        Assert.Equal(Datagrams, f.Drops.Total);
        Assert.Equal(0, f.PeerCounters.RxPackets);
        Assert.Equal(0, f.Drops[DropReason.TunWriteError]);
        // Every generator's own reason shows up, so the mix really exercised each check.
        foreach (var reason in new[] { DropReason.NotIpv4, DropReason.Malformed, DropReason.NotForThisSubnet,
                     DropReason.SpoofedSource, DropReason.UnknownSource })
            Assert.True(f.Drops[reason] > 0, $"no {reason} drops");
    }

    private static byte[] Valid(Random r) => Ipv4(
        $"10.244.2.{r.Next(256)}", $"10.244.1.{r.Next(256)}", (byte)r.Next(256),
        payload: RandomArray(r, r.Next(0, 1400)), ttl: (byte)r.Next(256), id: (ushort)r.Next(65536),
        flagsAndOffset: (ushort)r.Next(65536), optionWords: r.Next(0, 11));

    private static byte[] RandomArray(Random r, int length)
    {
        var bytes = new byte[length];
        r.NextBytes(bytes);
        return bytes;
    }

    // Arbitrary bytes from an address that owns no lease: even if they parse, the source check drops them.
    private static (byte[], UdpSource) RandomBytes(Random r) => (RandomArray(r, r.Next(0, 120)), PumpFixture.Attacker);

    // A valid packet from its real peer cut short: its total length no longer fits.
    private static (byte[], UdpSource) Truncated(Random r)
    {
        var packet = Valid(r);
        return (packet[..r.Next(0, packet.Length)], PumpFixture.PeerSource);
    }

    // A valid packet from its real peer with bytes after it: total length != datagram length.
    private static (byte[], UdpSource) Padded(Random r) =>
        ([.. Valid(r), .. RandomArray(r, r.Next(1, 40))], PumpFixture.PeerSource);

    // One header byte changed: a single-byte change always breaks the header checksum (or the version,
    // IHL or length checks before it).
    private static (byte[], UdpSource) HeaderByteFlipped(Random r)
    {
        var packet = Valid(r);
        var headerLength = (packet[0] & 0x0F) * 4;
        var index = r.Next(headerLength);
        packet[index] ^= (byte)r.Next(1, 256);
        return (packet, PumpFixture.PeerSource);
    }

    // IHL below 5 with the checksum made valid again.
    private static (byte[], UdpSource) BadIhl(Random r)
    {
        var packet = Valid(r);
        packet[0] = (byte)(0x40 | r.Next(0, 5));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), 0);
        return (packet, PumpFixture.PeerSource);
    }

    // Well-formed, from the real peer, for a subnet that is not ours.
    private static (byte[], UdpSource) NotForUs(Random r)
    {
        var packet = Valid(r);
        var destination = (uint)r.NextInt64(0, 1L << 32);
        if ((destination & 0xFFFFFF00) == A("10.244.1.0"))
            destination ^= 0x00000100;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(16), destination);
        FixChecksum(packet);
        return (packet, PumpFixture.PeerSource);
    }

    // Well-formed, for us, claiming the peer's subnet but sent from elsewhere.
    private static (byte[], UdpSource) Spoofed(Random r)
    {
        var outer = (uint)r.NextInt64(0, 1L << 32);
        if (outer == A("192.0.2.2"))
            outer++;
        return (Valid(r), new UdpSource(outer, r.Next(65536)));
    }

    // Well-formed, for us, from the real peer's host but with an inner source no lease owns.
    private static (byte[], UdpSource) UnknownInnerSource(Random r)
    {
        var packet = Valid(r);
        var source = (uint)r.NextInt64(0, 1L << 32);
        if ((source & 0xFFFFFF00) == A("10.244.2.0"))
            source ^= 0x00000400;
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(12), source);
        FixChecksum(packet);
        return (packet, PumpFixture.PeerSource);
    }
}
