using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;

namespace Overlay.Actors.Leases;

/// <summary>
/// Keeps a <see cref="LeaseView"/> current and tells its owner every time it changes.
/// Pub-sub is at-most-once with no replay, and publications right after a subscription may be
/// lost, so: subscribe, wait for the ack, ask the registry for a snapshot while stashing events,
/// then apply events strictly in version order. A gap asks for a new snapshot; a periodic resync
/// heals losses that no later event reveals (a partition, a registry failover).
/// A fresh subscription reaches the registry's member only with the next pub-sub gossip, so the
/// events published in that window are lost and no later event may reveal it: one extra
/// "settle" re-read, a few gossip intervals after the first snapshot, closes that window.
/// </summary>
public sealed class LeaseSubscriberActor : UntypedActor, IWithTimers, IWithUnboundedStash
{
    private readonly IActorRef _registry;
    private readonly IActorRef _owner;
    private readonly TimeSpan _resyncInterval;
    private readonly TimeSpan _retryInterval;
    private readonly TimeSpan _settleDelay;
    private bool _settled;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private LeaseView _view = LeaseView.Empty;
    private long _resyncs, _gaps;

    /// <summary>Creates the subscriber; use <see cref="Props"/>.</summary>
    public LeaseSubscriberActor(IActorRef registry, IActorRef owner, TimeSpan resyncInterval, TimeSpan retryInterval,
        TimeSpan settleDelay)
    {
        _registry = registry;
        _owner = owner;
        _resyncInterval = resyncInterval;
        _retryInterval = retryInterval;
        _settleDelay = settleDelay;
    }

    /// <summary>Props: <paramref name="owner"/> receives <see cref="LeaseViewChanged"/>; null means the parent.
    /// <paramref name="settleDelay"/> (default 3s: three pub-sub gossip intervals) is when the view is
    /// re-read once after the first snapshot.</summary>
    public static Props Props(IActorRef registry, IActorRef? owner = null, TimeSpan? resyncInterval = null,
        TimeSpan? retryInterval = null, TimeSpan? settleDelay = null) =>
        Akka.Actor.Props.Create(() => new LeaseSubscriberActor(registry, owner ?? ActorRefs.Nobody,
            resyncInterval ?? TimeSpan.FromSeconds(30), retryInterval ?? TimeSpan.FromSeconds(2),
            settleDelay ?? TimeSpan.FromSeconds(3)));

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    public IStash Stash { get; set; } = null!;

    private IActorRef Owner => _owner.IsNobody() ? Context.Parent : _owner;

    /// <inheritdoc />
    protected override void PreStart()
    {
        DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(LeaseTopic.Name, Self));
        Timers.StartPeriodicTimer(nameof(RetrySubscribe), RetrySubscribe.Instance, _retryInterval);
        Become(WaitingForAck);
    }

    /// <inheritdoc />
    protected override void OnReceive(object message) => Unhandled(message);

    private void WaitingForAck(object message)
    {
        switch (message)
        {
            case SubscribeAck:
                Timers.Cancel(nameof(RetrySubscribe));
                RequestSnapshot();
                break;
            case RetrySubscribe:
                DistributedPubSub.Get(Context.System).Mediator.Tell(new Subscribe(LeaseTopic.Name, Self));
                break;
            case ILeaseEvent:
                Stash.Stash();
                break;
            case GetSubscriberStats:
                Sender.Tell(Stats());
                break;
        }
    }

    private void RequestSnapshot()
    {
        _registry.Tell(GetLeaseSnapshot.Instance);
        Timers.StartPeriodicTimer(nameof(RetrySnapshot), RetrySnapshot.Instance, _retryInterval);
        Become(WaitingForSnapshot);
    }

    private void WaitingForSnapshot(object message)
    {
        switch (message)
        {
            case LeaseSnapshot snapshot:
                Timers.Cancel(nameof(RetrySnapshot));
                Adopt(snapshot);
                Stash.UnstashAll();
                Timers.StartPeriodicTimer(nameof(Resync), Resync.Instance, _resyncInterval);
                if (!_settled)
                {
                    _settled = true;
                    Timers.StartSingleTimer("settle", Resync.Instance, _settleDelay);
                }
                Become(Live);
                break;
            case RetrySnapshot:
                _registry.Tell(GetLeaseSnapshot.Instance);
                break;
            case ILeaseEvent:
                Stash.Stash();
                break;
            case GetSubscriberStats:
                Sender.Tell(Stats());
                break;
        }
    }

    private void Live(object message)
    {
        switch (message)
        {
            case ILeaseEvent e:
                var (outcome, next) = _view.Apply(e);
                if (outcome == LeaseView.Outcome.Applied)
                {
                    _view = next;
                    Owner.Tell(new LeaseViewChanged(_view));
                }
                else if (outcome == LeaseView.Outcome.Gap)
                {
                    _gaps++;
                    _log.Info("Lease event version {0} after {1}: re-reading the registry", e.Version, _view.Version);
                    Stash.Stash();
                    Timers.Cancel(nameof(Resync));
                    RequestSnapshot();
                }
                break;
            case Resync:
                _resyncs++;
                _registry.Tell(GetLeaseSnapshot.Instance);
                break;
            case LeaseSnapshot snapshot:
                Adopt(snapshot);
                break;
            case GetSubscriberStats:
                Sender.Tell(Stats());
                break;
        }
    }

    /// <summary>Takes a snapshot unless the view is already newer: events published after the
    /// registry answered may have overtaken the reply. Tells the owner only when something changed.</summary>
    private void Adopt(LeaseSnapshot snapshot)
    {
        var fresh = LeaseView.From(snapshot);
        if (snapshot.Version < _view.Version)
            return;
        var changed = snapshot.Version != _view.Version || !fresh.Leases.SequenceEqual(_view.Leases)
                      || !Equals(fresh.Network, _view.Network) || _view.Version == 0;
        _view = fresh;
        if (changed)
            Owner.Tell(new LeaseViewChanged(_view));
    }

    private SubscriberStats Stats() => new(_view.Version, _resyncs, _gaps);

    private sealed class RetrySubscribe : INoSerializationVerificationNeeded
    {
        public static readonly RetrySubscribe Instance = new();
    }

    private sealed class RetrySnapshot : INoSerializationVerificationNeeded
    {
        public static readonly RetrySnapshot Instance = new();
    }

    private sealed class Resync : INoSerializationVerificationNeeded
    {
        public static readonly Resync Instance = new();
    }
}

/// <summary>Sent to the subscriber's owner whenever its view of the registry changes.</summary>
public sealed record LeaseViewChanged(LeaseView View) : INoSerializationVerificationNeeded;

/// <summary>Asks a subscriber for its <see cref="SubscriberStats"/>.</summary>
public sealed record GetSubscriberStats : INoSerializationVerificationNeeded
{
    /// <summary>The only instance.</summary>
    public static readonly GetSubscriberStats Instance = new();
}

/// <summary>A subscriber's health: its view version, periodic resyncs done and version gaps seen.</summary>
public sealed record SubscriberStats(long Version, long Resyncs, long Gaps) : INoSerializationVerificationNeeded;
