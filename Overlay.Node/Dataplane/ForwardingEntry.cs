using System.Net;
using System.Net.Sockets;
using Overlay.Actors.Addressing;
using Overlay.Actors.Node;

namespace Overlay.Node.Dataplane;

/// <summary>
/// One peer route: the peer's subnet, where its traffic goes, and its counters. Immutable apart
/// from the counters (owned by the peer's PeerRouteActor, bumped by the pumps). The socket address
/// is serialized once here so the send path never allocates.
/// </summary>
public sealed class ForwardingEntry
{
    /// <summary>Creates an entry; throws for a non-IPv4 endpoint.</summary>
    public ForwardingEntry(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters)
    {
        if (endpoint.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"peer endpoint for {subnet} is not IPv4: {endpoint}", nameof(endpoint));
        Subnet = subnet;
        Endpoint = endpoint;
        Counters = counters;
        PublicIp = Ipv4.ToUInt32(endpoint.Address);
        SocketAddress = endpoint.Serialize();
    }

    /// <summary>The peer's leased subnet.</summary>
    public Ipv4Subnet Subnet { get; }

    /// <summary>The peer's underlay endpoint: its lease's PublicIp and the backend port.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The endpoint's address, host order: what the outer source of its datagrams must be.</summary>
    public uint PublicIp { get; }

    /// <summary>The endpoint serialized for sending. Shared by the send path: never mutate it.</summary>
    public SocketAddress SocketAddress { get; }

    /// <summary>The peer's traffic counters.</summary>
    public PeerCounters Counters { get; }
}
