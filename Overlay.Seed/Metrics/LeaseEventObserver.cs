using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Overlay.Actors.Leases;

namespace Overlay.Seed.Metrics;

/// <summary>Subscribes to the lease topic and hands every <see cref="ILeaseEvent"/> to
/// <see cref="SeedMetrics.Observe"/>; it keeps no state of its own.</summary>
public sealed class LeaseEventObserver : ReceiveActor
{
    /// <summary>Subscribes on start.</summary>
    public LeaseEventObserver(SeedMetrics metrics)
    {
        Receive<ILeaseEvent>(metrics.Observe);
        Receive<SubscribeAck>(_ => { });
    }

    /// <summary>Props for the observer.</summary>
    public static Props Props(SeedMetrics metrics) => Akka.Actor.Props.Create(() => new LeaseEventObserver(metrics));

    /// <inheritdoc />
    protected override void PreStart() =>
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(LeaseTopic.Name, Self));
}
