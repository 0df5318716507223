using System.Buffers.Binary;
using System.Net;
using Overlay.EndToEnd.Tests.Capture;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>What the overlay puts on the underlay: flannel's UDP format, the inner packet and nothing else.</summary>
[Collection(OverlayLabCollection.Name)]
public sealed class WireFormatTests(OverlayLabFixture lab, ITestOutputHelper output)
{
    [LabFact(Tools = ["tcpdump"])]
    public Task ADefaultPingIsOne112ByteUdpDatagramToPort8285CarryingTheInnerPacket() => lab.RunAsync(output, async () =>
    {
        // Reach p2 once first, so the capture holds no first-packet effects (ARP on cni0).
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), lab.PodAddress(2), EndToEndConstants.TrafficTimeout);
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(1), lab.PodAddress(3), EndToEndConstants.TrafficTimeout);

        string file = Path.Combine(lab.RunDirectory, $"wire-{Guid.NewGuid():N}.pcap");
        // Four datagrams: echo and reply to p2, then a marker echo and reply to p3. Everything for
        // h2 before the marker is what one default ping put on the wire.
        var tcpdump = lab.StartHelper(
            "tcpdump h1",
            lab.Topology.Host(1),
            "tcpdump",
            ["-i", EndToEndConstants.UnderlayInterface, "-n", "-U", "-c", "4", "-w", file, "udp", "port", $"{EndToEndConstants.OverlayUdpPort}"]);
        await tcpdump.WaitForLineAsync("'listening on'", l => l.Contains("listening on", StringComparison.Ordinal), TimeSpan.FromSeconds(30));

        var ping = await OverlayLabFixture.PingAsync(lab.Topology.Pod(1), lab.PodAddress(2));
        Assert.True(ping.Succeeded, ping.ToString());
        var marker = await OverlayLabFixture.PingAsync(lab.Topology.Pod(1), lab.PodAddress(3));
        Assert.True(marker.Succeeded, marker.ToString());
        await tcpdump.WaitForExitAsync(TimeSpan.FromSeconds(15));

        var pcap = PcapFile.Read(file);
        var datagrams = pcap.Frames
            .Select(f => UdpDatagram.TryParse(pcap.Ipv4PacketOf(f).Span))
            .ToList();
        Assert.All(datagrams, d => Assert.NotNull(d));
        foreach (var d in datagrams)
        {
            output.WriteLine($"{d!.Source}:{d.SourcePort} -> {d.Destination}:{d.DestinationPort} ip_len={d.IpTotalLength} udp_len={d.UdpLength} MF={d.MoreFragments}");
        }

        var host1 = IPAddress.Parse(Topology.HostAddress(1));
        var host2 = IPAddress.Parse(Topology.HostAddress(2));
        var host3 = IPAddress.Parse(Topology.HostAddress(3));
        int markerIndex = datagrams.FindIndex(d => d!.Destination.Equals(host3));
        Assert.True(markerIndex > 0, "no datagram to host 3 (the marker) in the capture");
        var toHost2 = datagrams.Take(markerIndex).Where(d => d!.Source.Equals(host1) && d.Destination.Equals(host2)).ToList();

        var echo = Assert.Single(toHost2)!;
        Assert.Equal(EndToEndConstants.DefaultPingOuterLength, echo.IpTotalLength);
        Assert.False(echo.MoreFragments, "the datagram is fragmented");
        Assert.Equal(EndToEndConstants.OverlayUdpPort, echo.DestinationPort);
        Assert.Equal(EndToEndConstants.DefaultPingOuterLength - 20, echo.UdpLength);

        byte[] inner = echo.Payload;
        Assert.Equal(EndToEndConstants.DefaultPingInnerLength, inner.Length);
        Assert.Equal(0x45, inner[0]);
        Assert.Equal(EndToEndConstants.DefaultPingInnerLength, BinaryPrimitives.ReadUInt16BigEndian(inner.AsSpan(2)));
        Assert.Equal(1, inner[9]); // ICMP
        Assert.Equal(IPAddress.Parse(lab.PodAddress(1)), new IPAddress(inner.AsSpan(12, 4)));
        Assert.Equal(IPAddress.Parse(lab.PodAddress(2)), new IPAddress(inner.AsSpan(16, 4)));
        Assert.Equal(8, inner[20]); // echo request

        var reply = Assert.Single(datagrams.Take(markerIndex), d => d!.Source.Equals(host2) && d.Destination.Equals(host1))!;
        Assert.Equal(EndToEndConstants.DefaultPingOuterLength, reply.IpTotalLength);
        Assert.Equal(EndToEndConstants.OverlayUdpPort, reply.DestinationPort);
    });
}
