using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// A lighter simulated node of the scale bench: its lease acquired through the registry proxy like
/// a node's, and a real <see cref="LeaseSubscriberActor"/> whose owner records when a view first
/// held each of the measured peer subnets (<see cref="ScaleAggregation.PeerSubnet"/>): the moment
/// a NodeActor would start that route. No NodeActor, so no PeerRouteActor per peer: a full
/// NodeActor costs ~4 KB per peer route, and 5,000 nodes with 5,000 routes each would need ~100 GB.
/// </summary>
public sealed class SubscriberNode
{
    private readonly ConcurrentDictionary<Ipv4Subnet, long> _seenAt = new();

    /// <summary>Timestamp of the lease grant's reply, 0 before.</summary>
    public long StartedAt { get; set; }

    /// <summary>Leases in the latest view.</summary>
    public int ViewCount { get; private set; }

    /// <summary>When a view first held <paramref name="subnet"/> (a measured peer subnet), 0 when never.</summary>
    public long SeenAt(Ipv4Subnet subnet) => _seenAt.TryGetValue(subnet, out var t) ? t : 0;

    /// <summary>Starts the subscriber (and its recording owner) in <paramref name="system"/>.</summary>
    public IActorRef Subscribe(ActorSystem system, IActorRef registry)
    {
        var owner = system.ActorOf(Props.Create(() => new Recorder(this)));
        return system.ActorOf(LeaseSubscriberActor.Props(registry, owner, BenchConstants.ScaleResyncInterval));
    }

    private sealed class Recorder : ReceiveActor
    {
        public Recorder(SubscriberNode node)
        {
            // The measured grants come one at a time, in PeerSubnet order, the next only after every
            // node had the last: so only the next one is looked up, O(1) per view change (scanning the
            // view, or every peer subnet, would make the bench itself the N^2 cost).
            var next = 0;
            Receive<LeaseViewChanged>(changed =>
            {
                var now = Stopwatch.GetTimestamp();
                node.ViewCount = changed.View.Leases.Count;
                while (next < ScaleAggregation.MaxPeerGrants && changed.View.Leases.ContainsKey(ScaleAggregation.PeerSubnet(next)))
                    node._seenAt[ScaleAggregation.PeerSubnet(next++)] = now;
            });
            ReceiveAny(_ => { });
        }
    }
}
