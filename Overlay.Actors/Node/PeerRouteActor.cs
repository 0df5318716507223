using System.Net;
using Akka.Actor;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Node;

/// <summary>
/// One peer lease on this node: installs the peer's entry in the forwarding table when it starts,
/// re-installs it when the lease moves (new public IP or port), removes it when told to retire
/// (<see cref="RetirePeerRoute"/>). The peer's traffic counters are the node actor's, handed in at
/// creation, so the node's status and the data path count into the same object. Stopping for any other
/// reason (its actor system ending with a control-plane incarnation) leaves the entry in place: the
/// data path keeps forwarding on its last table, and the next node actor adopts or removes it.
/// Named <c>peer-10.244.2.0-24</c> under the node actor.
/// </summary>
public sealed class PeerRouteActor : UntypedActor
{
    private readonly IDataplane _dataplane;
    private readonly PeerCounters _counters;
    private Lease _lease;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public PeerRouteActor(Lease lease, IDataplane dataplane, PeerCounters counters)
    {
        _lease = lease;
        _dataplane = dataplane;
        _counters = counters;
    }

    /// <summary>Props for the route to <paramref name="lease"/>'s subnet, counting into
    /// <paramref name="counters"/> (fresh ones, or those of a route adopted from an earlier incarnation).</summary>
    public static Props Props(Lease lease, IDataplane dataplane, PeerCounters counters) =>
        Akka.Actor.Props.CreateBy(new Producer(lease, dataplane, counters));

    /// <summary>The child name for a subnet's route.</summary>
    public static string NameOf(Addressing.Ipv4Subnet subnet) => "peer-" + subnet.Key;

    /// <inheritdoc />
    protected override void PreStart() => Install();

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
                break;
            case RetirePeerRoute:
                // Removed here, in order after any UpdatePeerLease: no late re-install can follow.
                _dataplane.RemovePeer(_lease.Subnet);
                Context.Stop(Self);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Install() => _dataplane.SetPeer(_lease.Subnet, new IPEndPoint(_lease.PublicIp, _lease.Port), _counters);

    /// <summary>Builds the actor with a plain constructor call. A fresh node in a large network starts
    /// one route per peer at once (65,536 in the scale bench); the expression form of Props.Create
    /// costs an expression tree, its evaluation and a reflective constructor call per route.</summary>
    private sealed class Producer(Lease lease, IDataplane dataplane, PeerCounters counters) : IIndirectActorProducer
    {
        public Type ActorType => typeof(PeerRouteActor);

        public ActorBase Produce() => new PeerRouteActor(lease, dataplane, counters);

        public void Release(ActorBase actor)
        {
        }
    }
}

/// <summary>Tells a peer route its lease changed.</summary>
public sealed record UpdatePeerLease(Lease Lease);

/// <summary>Tells a peer route its lease is gone: remove the entry from the data path, then stop.</summary>
public sealed record RetirePeerRoute
{
    /// <summary>The only instance.</summary>
    public static readonly RetirePeerRoute Instance = new();
}
