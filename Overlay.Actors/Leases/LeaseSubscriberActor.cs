using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Leases;

/// <summary>
/// Keeps a <see cref="LeaseView"/> current and tells its owner every time it changes.
/// Pub-sub is at-most-once with no replay, and publications right after a subscription may be
/// lost, so: subscribe, wait for the ack, fetch the registry's view while stashing events, then
/// apply events strictly in version order.
/// The view comes in pieces (<see cref="GetLeaseSnapshotPiece"/>), each well under the remoting
/// frame, all from one registry version V: a piece that does not come in time is asked for again,
/// and a registry that no longer holds V makes the transfer start over. Until the first transfer
/// completes the owner is sent <see cref="SubscriberStats"/> at every step, so readiness can say how
/// far it got.
/// A gap, the periodic resync and the "settle" re-read send a cheap version probe
/// (<see cref="GetLeaseVersion"/>): the registry sends the missed events if it still has them and its
/// version; a subscriber that is then current does nothing, and only one still behind (or ahead: a
/// registry that lost history) fetches the whole view again.
/// A fresh subscription reaches the registry's member only with the next pub-sub gossip, so the
/// events published in that window are lost and no later event may reveal it: one extra
/// "settle" probe, a few gossip intervals after the first view, closes that window. Every completed
/// transfer is followed by one probe at once as well: the registry may serve a view it cut a few
/// versions earlier, and the probe brings it up to date.
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
    private bool _hasView;
    private long _resyncs, _gaps, _transfers, _pieceRetries, _transferRestarts, _probes;

    // The transfer under way: version (0 until piece 0 came), next piece, piece count, leases so far.
    private long _transferVersion;
    private int _nextPiece, _pieceCount;
    private NetworkConfig? _transferNetwork;
    private List<Lease> _transferLeases = [];

    // Probing: one probe at a time; the highest event version seen beyond a gap while probing, and
    // how many probes in a row found the registry at our version while such an event was pending.
    private bool _probing;
    private long _beyondGap;
    private int _repeatedProbes;

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

    /// <summary>Props: <paramref name="owner"/> receives <see cref="LeaseViewChanged"/> (and, until the
    /// first view is complete, <see cref="SubscriberStats"/>); null means the parent.
    /// <paramref name="retryInterval"/> is also how long a piece or a probe may take before it is asked
    /// for again. <paramref name="settleDelay"/> (default 3s: three pub-sub gossip intervals) is when
    /// the registry is probed once after the first view.</summary>
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
                _log.Info("Subscribed to lease events; fetching the registry's view");
                StartTransfer();
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

    private void StartTransfer()
    {
        _transfers++;
        Timers.Cancel(nameof(Resync));
        Timers.Cancel(nameof(ProbeTimeout));
        _probing = false;
        ResetTransfer();
        AskPiece();
        Become(Transferring);
        ReportProgress();
    }

    private void ResetTransfer()
    {
        _transferVersion = 0;
        _nextPiece = 0;
        _pieceCount = 0;
        _transferNetwork = null;
        _transferLeases = [];
    }

    private void AskPiece()
    {
        _registry.Tell(new GetLeaseSnapshotPiece(_transferVersion, _nextPiece));
        Timers.StartSingleTimer(nameof(PieceTimeout), PieceTimeout.Instance, _retryInterval);
    }

    private void Transferring(object message)
    {
        switch (message)
        {
            case LeaseSnapshotPiece piece when IsAwaited(piece):
                OnPiece(piece);
                break;
            case LeaseSnapshotPiece:
                break; // a late duplicate of a piece asked for twice, or of an abandoned transfer
            case LeaseSnapshotUnavailable unavailable when unavailable.Version == _transferVersion && _transferVersion != 0:
                _transferRestarts++;
                _log.Info("Registry no longer holds version {0} (piece {1} of {2} asked): starting the view transfer over",
                    _transferVersion, _nextPiece + 1, _pieceCount);
                ResetTransfer();
                AskPiece();
                ReportProgress();
                break;
            case PieceTimeout:
                _pieceRetries++;
                AskPiece(); // the same piece of the same version: resume where it stopped
                break;
            case LeaseSnapshot snapshot:
                // A registry older than the transfer in pieces answers a whole snapshot.
                Complete(LeaseView.From(snapshot));
                break;
            case ILeaseEvent:
                Stash.Stash();
                break;
            case GetSubscriberStats:
                Sender.Tell(Stats());
                break;
        }
    }

    private bool IsAwaited(LeaseSnapshotPiece piece) =>
        piece.Index == _nextPiece && (_transferVersion == 0 ? piece.Index == 0 : piece.Version == _transferVersion);

    private void OnPiece(LeaseSnapshotPiece piece)
    {
        if (piece.Index == 0)
        {
            _transferVersion = piece.Version;
            _pieceCount = piece.Count;
            _transferLeases = new List<Lease>(Math.Max(0, piece.TotalLeases));
        }
        else if (piece.Count != _pieceCount)
        {
            _log.Warning("Piece {0} of version {1} says {2} pieces, the first said {3}: starting the view transfer over",
                piece.Index, piece.Version, piece.Count, _pieceCount);
            _transferRestarts++;
            ResetTransfer();
            AskPiece();
            return;
        }
        _transferNetwork = piece.Network;
        _transferLeases.AddRange(piece.Leases);
        _nextPiece++;
        if (_nextPiece >= _pieceCount)
        {
            Complete(new LeaseView(_transferVersion, _transferNetwork,
                _transferLeases.ToImmutableSortedDictionary(l => l.Subnet, l => l)));
            return;
        }
        AskPiece();
        ReportProgress();
    }

    /// <summary>Adopts a complete view: events stashed during the transfer then apply in version
    /// order on top of it (older ones are stale, a missing one is a gap).</summary>
    private void Complete(LeaseView fresh)
    {
        Timers.Cancel(nameof(PieceTimeout));
        ResetTransfer();
        var wasComplete = _hasView;
        Adopt(fresh);
        _hasView = true;
        if (!wasComplete)
        {
            _log.Info("Lease view complete: {0} leases at registry version {1}", fresh.Leases.Count, fresh.Version);
            ReportProgress();
        }
        Stash.UnstashAll();
        Timers.StartPeriodicTimer(nameof(Resync), Resync.Instance, _resyncInterval);
        if (!_settled)
        {
            _settled = true;
            Timers.StartSingleTimer("settle", Resync.Instance, _settleDelay);
        }
        Become(Live);
        // The registry may have served a view it cut a few versions ago (it reuses a recent cut
        // rather than cutting one per joining node): catch up with it now, not at the next event.
        Probe();
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
                    Owner.Tell(new LeaseViewChanged(_view, LeaseViewDelta.Of(e)));
                }
                else if (outcome == LeaseView.Outcome.Gap)
                {
                    _gaps++;
                    _beyondGap = Math.Max(_beyondGap, e.Version);
                    if (!_probing)
                    {
                        _log.Info("Lease event version {0} after {1}: probing the registry", e.Version, _view.Version);
                        Probe();
                    }
                }
                break;
            case Resync:
                _resyncs++;
                if (!_probing)
                    Probe();
                break;
            case ProbeTimeout when _probing:
                Probe();
                break;
            case LeaseVersionIs current when _probing:
                OnVersion(current.Version);
                break;
            case GetSubscriberStats:
                Sender.Tell(Stats());
                break;
        }
    }

    private void Probe()
    {
        _probes++;
        _probing = true;
        _registry.Tell(new GetLeaseVersion(_view.Version));
        Timers.StartSingleTimer(nameof(ProbeTimeout), ProbeTimeout.Instance, _retryInterval);
    }

    /// <summary>The registry's answer to a probe; the events it could send came before it.</summary>
    private void OnVersion(long registryVersion)
    {
        _probing = false;
        Timers.Cancel(nameof(ProbeTimeout));
        if (registryVersion != _view.Version)
        {
            // Still behind (the registry no longer had the events) or ahead (it lost history).
            _log.Info("Registry is at version {0}, the view at {1}: fetching the whole view", registryVersion, _view.Version);
            _beyondGap = 0;
            _repeatedProbes = 0;
            StartTransfer();
            return;
        }
        // Current. An event seen beyond a gap that the registry had not reached when it answered was
        // published after the answer: probe again, a few times, then let it go.
        if (_beyondGap > registryVersion && _repeatedProbes < LeaseTransferConstants.MaxRepeatedGapProbes)
        {
            _repeatedProbes++;
            Probe();
            return;
        }
        _beyondGap = 0;
        _repeatedProbes = 0;
    }

    /// <summary>Takes a complete view; tells the owner only when something changed.</summary>
    private void Adopt(LeaseView fresh)
    {
        var changed = fresh.Version != _view.Version || !fresh.Leases.SequenceEqual(_view.Leases)
                      || !Equals(fresh.Network, _view.Network) || !_hasView;
        _view = fresh;
        if (changed)
            Owner.Tell(new LeaseViewChanged(_view));
    }

    private void ReportProgress()
    {
        if (!_hasView || _nextPiece == 0)
            Owner.Tell(Stats());
    }

    private LeaseViewProgress Progress() => new(_hasView, _hasView ? _view.Version : 0, _transferVersion, _nextPiece, _pieceCount);

    private SubscriberStats Stats() =>
        new(_view.Version, _resyncs, _gaps, Progress(), _transfers, _pieceRetries, _transferRestarts, _probes);

    private sealed class RetrySubscribe : INoSerializationVerificationNeeded
    {
        public static readonly RetrySubscribe Instance = new();
    }

    private sealed class PieceTimeout : INoSerializationVerificationNeeded
    {
        public static readonly PieceTimeout Instance = new();
    }

    private sealed class ProbeTimeout : INoSerializationVerificationNeeded
    {
        public static readonly ProbeTimeout Instance = new();
    }

    private sealed class Resync : INoSerializationVerificationNeeded
    {
        public static readonly Resync Instance = new();
    }
}

/// <summary>Sent to the subscriber's owner whenever its view of the registry changes.
/// <paramref name="Delta"/> is null for a complete view (the first one, a transfer after a gap):
/// compare it as a whole. Otherwise <paramref name="View"/> is the previous view sent plus one event,
/// and only the subnet the delta names changed.</summary>
public sealed record LeaseViewChanged(LeaseView View, LeaseViewDelta? Delta = null) : INoSerializationVerificationNeeded;

/// <summary>Asks a subscriber for its <see cref="SubscriberStats"/>.</summary>
public sealed record GetSubscriberStats : INoSerializationVerificationNeeded
{
    /// <summary>The only instance.</summary>
    public static readonly GetSubscriberStats Instance = new();
}

/// <summary>A subscriber's health: its view version, periodic resyncs done and version gaps seen;
/// where it stands in getting a complete view (null from an older sender), full transfers started,
/// pieces asked for again after a timeout, transfers started over because the registry moved on, and
/// version probes sent.</summary>
public sealed record SubscriberStats(
    long Version, long Resyncs, long Gaps, LeaseViewProgress? View = null, long Transfers = 0, long PieceRetries = 0,
    long TransferRestarts = 0, long Probes = 0) : INoSerializationVerificationNeeded;
