using System.Net;
using Akka.Actor;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Node;

/// <summary>
/// One peer lease on this node: installs the peer's entry in the forwarding table when it starts,
/// re-installs it when the lease moves (new public IP or port), removes it when it stops, and owns
/// the peer's traffic counters. Named <c>peer-10.244.2.0-24</c> under the node actor.
/// </summary>
public sealed class PeerRouteActor : UntypedActor
{
    private readonly IDataplane _dataplane;
    private readonly PeerCounters _counters = new();
    private Lease _lease;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public PeerRouteActor(Lease lease, IDataplane dataplane)
    {
        _lease = lease;
        _dataplane = dataplane;
    }

    /// <summary>Props for the route to <paramref name="lease"/>'s subnet.</summary>
    public static Props Props(Lease lease, IDataplane dataplane) =>
        Akka.Actor.Props.Create(() => new PeerRouteActor(lease, dataplane));

    /// <summary>The child name for a subnet's route.</summary>
    public static string NameOf(Addressing.Ipv4Subnet subnet) => "peer-" + subnet.Key;

    /// <inheritdoc />
    protected override void PreStart()
    {
        Install();
        Context.Parent.Tell(new PeerRouteInstalled(_lease, _counters));
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case UpdatePeerLease update:
                var moved = !update.Lease.PublicIp.Equals(_lease.PublicIp) || update.Lease.Port != _lease.Port;
                _lease = update.Lease;
                if (moved)
                    Install();
                Context.Parent.Tell(new PeerRouteInstalled(_lease, _counters));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Install() => _dataplane.SetPeer(_lease.Subnet, new IPEndPoint(_lease.PublicIp, _lease.Port), _counters);

    /// <inheritdoc />
    protected override void PostStop() => _dataplane.RemovePeer(_lease.Subnet);
}

/// <summary>Tells a peer route its lease changed.</summary>
public sealed record UpdatePeerLease(Lease Lease);

/// <summary>Sent by a peer route to its parent once its entry is in the table.</summary>
public sealed record PeerRouteInstalled(Lease Lease, PeerCounters Counters);
