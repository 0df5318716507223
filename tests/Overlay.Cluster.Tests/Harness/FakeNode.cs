using Overlay.Testing;
using System.Net;
using Akka.Actor;
using Overlay.Actors.Addressing;
using Overlay.Actors.Node;
using Overlay.Node.Dataplane;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>
/// A whole node agent in the test process: a cluster member running the real NodeActor over the
/// real OverlayDataplane, whose TUN device and UDP socket are the in-memory fakes on a shared
/// <see cref="ChannelUdpNetwork"/>.
/// </summary>
public sealed class FakeNode : IAsyncDisposable
{
    private ChannelTunDevice? _tun;

    private FakeNode(string name, IPAddress publicIp, ClusterMember member, OverlayDataplane dataplane)
    {
        Name = name;
        PublicIp = publicIp;
        Member = member;
        Dataplane = dataplane;
    }

    /// <summary>Node name (lease identity).</summary>
    public string Name { get; }

    /// <summary>Its underlay address on the fake network.</summary>
    public IPAddress PublicIp { get; }

    /// <summary>The cluster member hosting it.</summary>
    public ClusterMember Member { get; }

    /// <summary>Its data path.</summary>
    public OverlayDataplane Dataplane { get; }

    /// <summary>The node actor.</summary>
    public IActorRef Actor { get; private set; } = ActorRefs.Nobody;

    /// <summary>The fake TUN of the running data path.</summary>
    public ChannelTunDevice Tun => _tun ?? throw new InvalidOperationException($"{Name} has no data path yet");

    /// <summary>The subnet it leased (once it has one).</summary>
    public Ipv4Subnet Subnet => Dataplane.LocalSubnet ?? throw new InvalidOperationException($"{Name} has no lease yet");

    /// <summary>Starts a node member joined to <paramref name="seed"/>.</summary>
    public static async Task<FakeNode> StartAsync(string name, IPAddress publicIp, ClusterMember seed, ChannelUdpNetwork network)
    {
        var member = await ClusterMember.StartAsync(null, joinTo: seed);
        FakeNode? node = null;
        var dataplane = new OverlayDataplane(
            new DataplaneOptions
            {
                TunName = "ovl-" + name,
                UnderlayMtu = 1500,
                BindAddress = publicIp,
                SubnetFilePath = Path.Combine(Path.GetTempPath(), $"overlay-mesh-{Guid.NewGuid():N}", "subnet.env"),
            },
            (tunName, mtu, _) => node!._tun = new ChannelTunDevice(tunName, mtu),
            network.Bind,
            NoLinkConfigurator.Instance);
        node = new FakeNode(name, publicIp, member, dataplane);
        var identity = new NodeIdentity(name, publicIp, 8285, null);
        node.Actor = member.System.ActorOf(NodeActor.Props(identity, new NodeTimings(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)),
            member.Registry, dataplane), "node");
        return node;
    }

    /// <summary>Leaves the cluster, then stops the data path (as overlay-node does on SIGTERM: the node
    /// actor leaves it running).</summary>
    public async ValueTask DisposeAsync()
    {
        await Member.DisposeAsync();
        Dataplane.Stop();
    }
}
