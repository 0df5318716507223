using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;
using Overlay.Testing;
using static Overlay.Node.Tests.Packets;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>
/// Node 10.244.1.0/24 at 192.0.2.1 with one peer, 10.244.2.0/24 at 192.0.2.2, over in-memory devices.
/// The pumps are driven by calling Process directly, so each test is synchronous.
/// </summary>
internal sealed class PumpFixture : IDisposable
{
    public readonly ChannelTunDevice Tun = new("overlay0", 1472);
    public readonly ChannelUdpNetwork Network = new();
    public readonly ChannelUdpTransport Udp;
    public readonly ChannelUdpTransport Peer;
    public readonly PeerCounters PeerCounters = new();
    public readonly DropCounters Drops = new();
    public readonly ForwardingTableRef Table;
    public readonly InsidePump Inside;
    public readonly OutsidePump Outside;

    public static readonly UdpSource PeerSource = new(A("192.0.2.2"), 8285);
    public static readonly UdpSource Attacker = new(A("198.51.100.66"), 8285);

    public PumpFixture(bool sourceCheck = true)
    {
        Udp = Network.Bind(E("192.0.2.1"));
        Peer = Network.Bind(E("192.0.2.2"));
        Table = new ForwardingTableRef(ForwardingTable.Empty(Config()).With(S("10.244.2.0/24"), E("192.0.2.2"), PeerCounters));
        Inside = new InsidePump(Tun, Udp, Table, Drops, A("10.244.1.0"));
        Outside = new OutsidePump(Udp, Tun, Table, Drops, S("10.244.1.0/24"), sourceCheck);
    }

    /// <summary>Asserts that exactly one drop happened, for <paramref name="reason"/>.</summary>
    public void AssertOnlyDrop(DropReason reason, long count = 1)
    {
        Assert.Equal(count, Drops[reason]);
        Assert.Equal(count, Drops.Total);
    }

    public void Dispose()
    {
        Tun.Dispose();
        Udp.Dispose();
        Peer.Dispose();
    }
}
