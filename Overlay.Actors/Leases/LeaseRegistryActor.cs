using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Leases;

/// <summary>
/// The lease registry: a persistent actor run as a cluster singleton (role "registry"). Decisions
/// are made by <see cref="LeaseRegistryState"/>; this actor persists the events a decision
/// yields, applies them, publishes them on <see cref="LeaseTopic"/> and replies only after the
/// journal confirmed the write. Commands that arrive during a write wait (Persist stashes them), so
/// decisions are made one at a time on the latest state.
/// It also watches cluster membership: a lease whose holder this incarnation saw the cluster remove
/// ends after the grace period unless the holder comes back (same address) or re-acquires; the
/// live members and their roles decide identity conflicts and who may change the config.
/// </summary>
/// <remarks>
/// Time: TTL and grace are measured on the monotonic clock of <see cref="TimeProvider"/>
/// (<see cref="TimeProvider.GetTimestamp"/>) from this incarnation's recovery, never inherited from
/// the journal; the wall clock only stamps ExpiresAt, which the sweep treats as advice that can
/// delay an expiry but never cause one. Senders are authorised by their actor path's address.
/// </remarks>
public sealed class LeaseRegistryActor : UntypedPersistentActor, IWithTimers
{
    /// <summary>Journal id of the registry; a contract with journals already written.</summary>
    public const string RegistryPersistenceId = "overlay-lease-registry";

    private readonly RegistrySettings _settings;
    private readonly TimeProvider _clock;
    private readonly bool _fullReplay;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private LeaseRegistryState _state = LeaseRegistryState.Empty;

    // Full views cut into pieces and the recent events, for subscribers.
    private readonly LeaseViewTransfers _transfers = new();

    // What this incarnation saw since it recovered (members, removals, renewals), on the monotonic
    // clock whose zero is _recoveredAt; a new incarnation starts afresh.
    private RegistryIncarnation _seen = RegistryIncarnation.Fresh;
    private long _recoveredAt;

    // When the last sweep ran, on this process's own monotonic clock (Stopwatch): a stall is a
    // property of this process (its threads did not run), whatever TimeProvider times the leases.
    private long _lastSweep;

    // Refusals repeat with every retry of the refused node; each distinct one is logged at most
    // once per RefusalLogInterval (the journal stays quiet anyway: refusals persist nothing).
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(1);
    private readonly Dictionary<string, TimeSpan> _refusalsLogged = new(StringComparer.Ordinal);

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
            // Snapshots are saved packed ("S-RB", binary); JSON ones ("S-RS") from older registries still load.
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
        _recoveredAt = _clock.GetTimestamp();
        var cluster = Cluster.Get(Context.System);
        // The membership known right now, before the commands stashed during recovery are decided
        // (they run before the subscription's first message): an acquire must not slip past a live
        // holder because the registry had not heard of it yet.
        OnClusterState(cluster.State);
        cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent));
        Timers.StartPeriodicTimer(nameof(Sweep), Sweep.Instance, _settings.SweepInterval);
        _lastSweep = System.Diagnostics.Stopwatch.GetTimestamp();
        // A full replay means the latest snapshot could not be loaded: replace it with a good one.
        if (_fullReplay && LastSequenceNr > 0)
            SaveSnapshot(new PackedRegistrySnapshot(_state.ToSnapshot()));
        Context.Parent.Tell(new RegistryLifecycle.Recovered(_state.Version, _fullReplay));
    }

    /// <summary>
    /// A sweep far later than its interval means this registry did not run (SIGSTOP, a starved or
    /// suspended host): renewals sent meanwhile are still in its sockets. That time counts against
    /// no lease's TTL and no holder's grace, so the first sweep after a long stall does not end
    /// every lease whose renewal is about to be read (<see cref="RegistryIncarnation.WithStall"/>).
    /// </summary>
    private void NoticeStall()
    {
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var gap = System.Diagnostics.Stopwatch.GetElapsedTime(_lastSweep, now);
        _lastSweep = now;
        var threshold = TimeSpan.FromTicks(Math.Max(OverlayConstants.RegistryStallThreshold.Ticks,
            _settings.SweepInterval.Ticks * OverlayConstants.RegistryStallSweeps));
        if (gap <= threshold)
            return;
        var stall = gap - _settings.SweepInterval;
        _seen = _seen.WithStall(stall, Monotonic);
        _log.Warning("Lease registry did not run for {0:F1} s (stopped or starved); that time counts against no lease's TTL or grace",
            stall.TotalSeconds);
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
            // Reads of the view, served outside LeaseRegistryState: they change nothing.
            case GetLeaseSnapshotPiece request:
                Sender.Tell(_transfers.Serve(request, _state));
                break;
            case GetLeaseVersion probe:
                foreach (var e in _transfers.Since(probe.KnownVersion, _state.Version))
                    Sender.Tell(e);
                Sender.Tell(new LeaseVersionIs(_state.Version));
                break;
            case ILeaseRegistryCommand command:
                var origin = OriginOf(Sender);
                var decision = _state.Process(command, _clock.GetUtcNow(), _settings, origin, _seen, Monotonic);
                LogRefusal(command, origin, decision.Reply);
                Execute(decision, Sender);
                break;
            case Sweep:
                NoticeStall();
                // Two decisions, two messages: each must be made on the state the previous one
                // left, and Persist holds the second message back until the first is applied.
                // (Deciding both now would give both the same versions.)
                Execute(_state.SweepExpired(_clock.GetUtcNow(), _seen, Monotonic, _settings.Ttl), ActorRefs.Nobody);
                Self.Tell(SweepRemovedMembers.Instance);
                break;
            case SweepRemovedMembers:
                var removals = _state.EndLeasesOfRemovedMembers(_seen, Monotonic, _settings.GracePeriod);
                if (removals.Events.Count == 0)
                    _seen = _seen.WithoutSettledRemovals(Monotonic, _settings.GracePeriod, _state.HoldsLease);
                Execute(removals, ActorRefs.Nobody);
                break;
            case ClusterEvent.CurrentClusterState current:
                OnClusterState(current);
                break;
            case ClusterEvent.MemberRemoved removed:
                // The grace starts when this incarnation sees the removal, never earlier.
                _seen = _seen.WithRemoved(removed.Member.Address.ToString(), Monotonic);
                break;
            case ClusterEvent.IMemberEvent memberEvent:
                // A member that is back (same address) within the grace period keeps its lease.
                _seen = _seen.WithMember(memberEvent.Member.Address.ToString(), IsRunning(memberEvent.Member.Status),
                    memberEvent.Member.Roles);
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
    /// The members the cluster has now. At start (and after a failover) the registry cannot know
    /// when, or whether, a lease holder that is not a member left this cluster: it may be a live node
    /// of another cluster on a shared journal. Such holders get nothing from the member-removal
    /// rule (only their TTL, counted from recovery, can end their lease), unless they join this
    /// cluster later and this incarnation then sees them removed.
    /// </summary>
    private void OnClusterState(ClusterEvent.CurrentClusterState current)
    {
        foreach (var member in current.Members)
            _seen = _seen.WithMember(member.Address.ToString(), IsRunning(member.Status), member.Roles);
    }

    /// <summary>Whether a member in <paramref name="status"/> still runs (and so may hold a lease
    /// that another host must not take): everything but downed, exiting and removed.</summary>
    private static bool IsRunning(MemberStatus status) =>
        status is not (MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Removed);

    /// <summary>Time since this incarnation recovered, on the monotonic clock.</summary>
    private TimeSpan Monotonic => _clock.GetElapsedTime(_recoveredAt);

    /// <summary>The sender as the registry authorises it: its actor path's address (for a remote
    /// sender, its cluster address, which the command cannot forge); local senders are the registry's
    /// own actor system; a message without a sender is anonymous.</summary>
    private CommandOrigin OriginOf(IActorRef sender)
    {
        if (sender.IsNobody() || sender.Equals(Context.System.DeadLetters))
            return CommandOrigin.Anonymous;
        var address = sender.Path.Address;
        return address.HasLocalScope ? CommandOrigin.Local : new CommandOrigin(address.ToString());
    }

    private void LogRefusal(ILeaseRegistryCommand command, CommandOrigin origin, IOverlayMessage? reply)
    {
        var line = reply switch
        {
            LeaseRefused refused => $"Refused {command.GetType().Name} from {origin}: {refused.Reason}",
            NetworkConfigDrifted drift =>
                $"Network config drift: the registry keeps its journal's config {drift.Current.Describe()}; " +
                $"{origin} offered {drift.Offered.Describe()}, not applied (no lease ended)",
            _ => null,
        };
        if (line is null)
            return;
        var now = Monotonic;
        if (_refusalsLogged.TryGetValue(line, out var at) && now - at < RefusalLogInterval)
            return;
        if (_refusalsLogged.Count > 1000)
            _refusalsLogged.Clear();
        _refusalsLogged[line] = now;
        _log.Warning("{0}", line);
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
            _transfers.Record(e);
            _seen = _seen.WithPersisted(e, Monotonic);
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
