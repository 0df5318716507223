using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;

namespace Overlay.Actors.Leases;

/// <summary>
/// The lease registry: a persistent actor run as a cluster singleton (role "registry"). Decisions
/// are made by <see cref="LeaseRegistryState"/>; this actor persists the events a decision
/// yields, applies them, publishes them on <see cref="LeaseTopic"/> and replies only after the
/// journal confirmed the write. Commands that arrive during a write wait (Persist stashes them), so
/// decisions are made one at a time on the latest state.
/// It also watches cluster membership: a lease whose holder the cluster removed ends after the
/// grace period unless the holder comes back (same address) or re-acquires.
/// </summary>
public sealed class LeaseRegistryActor : UntypedPersistentActor, IWithTimers
{
    /// <summary>Journal id of the registry; a contract with journals already written.</summary>
    public const string RegistryPersistenceId = "overlay-lease-registry";

    private readonly RegistrySettings _settings;
    private readonly TimeProvider _clock;
    private readonly bool _fullReplay;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, DateTimeOffset> _removedMembers = new();
    private LeaseRegistryState _state = LeaseRegistryState.Empty;

    // Recovery timing for the log line at RecoveryCompleted (bench/control-plane reads it): started
    // when the actor is created, which is when recovery is requested from the journal.
    private readonly System.Diagnostics.Stopwatch _recovery = System.Diagnostics.Stopwatch.StartNew();
    private TimeSpan _snapshotLoaded, _snapshotApplied;
    private long _eventsReplayed;
    private bool _snapshotOffered;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public LeaseRegistryActor(RegistrySettings settings, TimeProvider clock, bool fullReplay = false)
    {
        _settings = settings;
        _clock = clock;
        _fullReplay = fullReplay;
    }

    /// <summary>Props for the registry. With <paramref name="fullReplay"/> it ignores snapshots and
    /// rebuilds from the whole journal (the registry supervisor asks for that after a recovery that
    /// failed while loading the snapshot), then saves a fresh snapshot.</summary>
    public static Props Props(RegistrySettings settings, TimeProvider? clock = null, bool fullReplay = false) =>
        Akka.Actor.Props.Create(() => new LeaseRegistryActor(settings, clock ?? TimeProvider.System, fullReplay));

    /// <inheritdoc />
    public override Recovery Recovery => _fullReplay ? new Recovery(SnapshotSelectionCriteria.None) : base.Recovery;

    /// <inheritdoc />
    public override string PersistenceId => RegistryPersistenceId;

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    private IActorRef Mediator => DistributedPubSub.Get(Context.System).Mediator;

    /// <inheritdoc />
    protected override void OnRecover(object message)
    {
        switch (message)
        {
            // Snapshots are saved packed (binary) since issue 5; JSON ones from before still load.
            case SnapshotOffer { Snapshot: PackedRegistrySnapshot packed }:
                _snapshotOffered = true;
                RecoverFrom(packed.Snapshot);
                break;
            case SnapshotOffer { Snapshot: RegistrySnapshot snapshot }:
                _snapshotOffered = true;
                RecoverFrom(snapshot);
                break;
            case ILeaseEvent e:
                _state = _state.Apply(e);
                _eventsReplayed++;
                break;
            case RecoveryCompleted:
                OnRecovered();
                break;
        }
    }

    private void RecoverFrom(RegistrySnapshot snapshot)
    {
        _snapshotLoaded = _recovery.Elapsed;
        _state = LeaseRegistryState.FromSnapshot(snapshot);
        _snapshotApplied = _recovery.Elapsed - _snapshotLoaded;
    }

    private void OnRecovered()
    {
        _log.Info("Lease registry recovered at version {0} with {1} leases in {2:F1} ms (snapshot loaded at {3:F1} ms, " +
                  "rebuilt in {4:F1} ms, {5} events replayed)", _state.Version, _state.Leases.Count,
            _recovery.Elapsed.TotalMilliseconds, _snapshotLoaded.TotalMilliseconds, _snapshotApplied.TotalMilliseconds,
            _eventsReplayed);
        var cluster = Cluster.Get(Context.System);
        cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer(nameof(Sweep), Sweep.Instance, _settings.SweepInterval);
        // A full replay means the latest snapshot could not be loaded: replace it with a good one.
        if (_fullReplay && LastSequenceNr > 0)
            SaveSnapshot(new PackedRegistrySnapshot(_state.ToSnapshot()));
        Context.Parent.Tell(new RegistryLifecycle.Recovered(_state.Version, _fullReplay));
    }

    /// <summary>Tells the supervisor why the journal write failed; Akka.Persistence then stops this
    /// actor (it cannot know whether the event was stored), and the supervisor restarts it with backoff.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new RegistryLifecycle.StorageFailed("journal write", cause, SnapshotLoaded: true));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>Tells the supervisor why recovery failed, and whether it got past the snapshot.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Context.Parent.Tell(new RegistryLifecycle.StorageFailed("recovery", reason,
            SnapshotLoaded: _snapshotOffered || _eventsReplayed > 0));
        base.OnRecoveryFailure(reason, message);
    }

    /// <inheritdoc />
    protected override void OnCommand(object message)
    {
        switch (message)
        {
            case ILeaseRegistryCommand command:
                Execute(_state.Process(command, _clock.GetUtcNow(), _settings), Sender);
                break;
            case Sweep:
                // Two decisions, two messages: each must be made on the state the previous one
                // left, and Persist holds the second message back until the first is applied.
                // (Deciding both now would give both the same versions.)
                Execute(_state.SweepExpired(_clock.GetUtcNow()), ActorRefs.Nobody);
                Self.Tell(SweepRemovedMembers.Instance);
                break;
            case SweepRemovedMembers:
                Execute(_state.EndLeasesOfRemovedMembers(_removedMembers, _clock.GetUtcNow(), _settings.GracePeriod),
                    ActorRefs.Nobody);
                break;
            case ClusterEvent.CurrentClusterState current:
                OnClusterState(current);
                break;
            case ClusterEvent.MemberRemoved removed:
                _removedMembers[removed.Member.Address.ToString()] = _clock.GetUtcNow();
                break;
            case ClusterEvent.IMemberEvent memberEvent when memberEvent is not ClusterEvent.MemberExited:
                // A member that is back (same address) within the grace period keeps its lease.
                _removedMembers.Remove(memberEvent.Member.Address.ToString());
                break;
            case SaveSnapshotSuccess success:
                // Older snapshots go, but only beyond the last few (see RegistrySnapshotsKept).
                var keepFrom = success.Metadata.SequenceNr -
                               (long)_settings.SnapshotEvery * (Configuration.OverlayConstants.RegistrySnapshotsKept - 1);
                if (keepFrom > 1)
                    DeleteSnapshots(new SnapshotSelectionCriteria(keepFrom - 1));
                break;
            case SaveSnapshotFailure failure:
                _log.Warning(failure.Cause, "Saving the registry snapshot at {0} failed; recovery replays more events",
                    failure.Metadata.SequenceNr);
                break;
            case DeleteSnapshotsSuccess or DeleteSnapshotsFailure:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>
    /// At start (and after a failover) the registry cannot know when a lease holder left: every
    /// holder that is not a member now starts its grace period now.
    /// </summary>
    private void OnClusterState(ClusterEvent.CurrentClusterState current)
    {
        var members = current.Members.Select(m => m.Address.ToString()).ToHashSet();
        var now = _clock.GetUtcNow();
        foreach (var lease in _state.Leases)
        {
            if (lease.MemberAddress.Length > 0 && !members.Contains(lease.MemberAddress))
                _removedMembers.TryAdd(lease.MemberAddress, now);
        }
    }

    private void Execute(RegistryDecision decision, IActorRef replyTo)
    {
        if (decision.Events.Count == 0)
        {
            if (decision.Reply is not null)
                replyTo.Tell(decision.Reply);
            return;
        }

        var last = decision.Events[^1];
        PersistAll(decision.Events, e =>
        {
            _state = _state.Apply(e);
            Mediator.Tell(new Publish(LeaseTopic.Name, e));
            if (e is LeaseEnded ended)
                _log.Info("Lease {0} ended: {1} (version {2})", ended.Subnet, ended.Reason, ended.Version);
            else if (e is LeaseGranted granted)
                _log.Info("Lease {0} granted to {1} at {2}:{3} (version {4})", granted.Lease.Subnet,
                    granted.Lease.NodeName, granted.Lease.PublicIp, granted.Lease.Port, granted.Version);
            if (LastSequenceNr % _settings.SnapshotEvery == 0)
                SaveSnapshot(new PackedRegistrySnapshot(_state.ToSnapshot()));
            if (ReferenceEquals(e, last) && decision.Reply is not null)
                replyTo.Tell(decision.Reply);
        });
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        Cluster.Get(Context.System).Unsubscribe(Self);
        base.PostStop();
    }

    private sealed class Sweep : INoSerializationVerificationNeeded
    {
        public static readonly Sweep Instance = new();
    }

    private sealed class SweepRemovedMembers : INoSerializationVerificationNeeded
    {
        public static readonly SweepRemovedMembers Instance = new();
    }
}
