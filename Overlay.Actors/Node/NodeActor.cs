using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Node;

/// <summary>
/// The node agent, one per host. It acquires this host's lease (asking first for the subnet of the
/// old subnet.env), starts the data path for it, renews the lease ahead of expiry, and keeps one
/// <see cref="PeerRouteActor"/> child per peer lease, reconciled against the registry view kept by
/// its <see cref="LeaseSubscriberActor"/> child: a complete view as a whole, a single lease event
/// (<see cref="LeaseViewDelta"/>) for its one subnet, so a change costs O(log N), not O(N). A fault in the data path restarts it.
/// The data path outlives this actor (static stability): stopping, as when a control-plane
/// incarnation's actor system ends, leaves the pumps running on the last forwarding table, and the
/// lease is kept. A node actor that starts over a running data path asks for the subnet it serves,
/// keeps it running when granted that subnet (Start is then a no-op), adopts the routes it finds
/// and, once the first full lease view arrived, removes only those the view no longer has. A grant
/// of another subnet is never applied under running pods: it publishes
/// <see cref="DataPathSubnetConflict"/> and waits (overlay-node exits on it).
/// </summary>
public sealed class NodeActor : UntypedActor, IWithTimers
{
    /// <summary>The node renews when this fraction (1/3) of its lease's remaining lifetime has passed.</summary>
    private const int RenewalDivisor = 3;

    /// <summary>How long a status request waits for the subscriber's stats (a local child that
    /// answers at once unless it is stopped) before the last stats it reported are used.</summary>
    private static readonly TimeSpan SubscriberStatsTimeout = TimeSpan.FromSeconds(1);

    private readonly NodeIdentity _identity;
    private readonly NodeTimings _timings;
    private readonly IActorRef _registry;
    private readonly IDataplane _dataplane;
    private readonly TimeProvider _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<Ipv4Subnet, Peer> _peers = new();
    private readonly HashSet<Ipv4Subnet> _stopping = new();
    private readonly Action<Exception> _onFault;
    private IActorRef _subscriber = ActorRefs.Nobody;
    private Lease? _lease;
    private NetworkConfig? _network;
    private LeaseView _view = LeaseView.Empty;
    private bool _acquiring;
    private TimeSpan? _shortestLifetime;
    private bool _dataplaneRunning;
    private SubscriberStats? _subscriberStats;
    // Routes found in the data path at start (left by an earlier incarnation), adopted or removed
    // on the first full lease view; empty afterwards (every route then has a peer child).
    private Dictionary<Ipv4Subnet, InstalledRoute>? _inherited;
    private bool _viewReceived;

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public NodeActor(NodeIdentity identity, NodeTimings timings, IActorRef registry, IDataplane dataplane, TimeProvider clock)
    {
        _identity = identity;
        _timings = timings;
        _registry = registry;
        _dataplane = dataplane;
        _clock = clock;
        var self = Self;
        _onFault = ex => self.Tell(new DataplaneFaulted(ex));
    }

    /// <summary>Props for the node agent; <paramref name="registry"/> is the registry singleton proxy.</summary>
    public static Props Props(NodeIdentity identity, NodeTimings timings, IActorRef registry, IDataplane dataplane,
        TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new NodeActor(identity, timings, registry, dataplane, clock ?? TimeProvider.System));

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        _dataplane.Faulted += _onFault;
        var inherited = _dataplane.InstalledRoutes();
        if (inherited.Count > 0)
            _inherited = inherited.ToDictionary(r => r.Subnet);
        if (_dataplane.ServedSubnet is { } served)
            _log.Info("The data path already serves {0} with {1} routes; asking the registry for {0} again", served, inherited.Count);
        Acquire(_dataplane.ServedSubnet ?? _identity.RequestedSubnet);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _dataplane.Faulted -= _onFault;
        // The data path is not stopped here: it outlives the control plane. SIGTERM stops it in
        // overlay-node once the cluster was left.
        _log.Info("Node actor stopped; the data path keeps forwarding ({0}); lease {1} kept",
            _dataplane.ServedSubnet?.ToString() ?? "not running", _lease?.Subnet.ToString() ?? "(none)");
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RetryAcquire:
                SendAcquire(_lease?.Subnet ?? _dataplane.ServedSubnet ?? _identity.RequestedSubnet);
                break;
            case LeaseAcquired acquired:
                OnLeaseAcquired(acquired);
                break;
            case LeaseRequestRejected rejected:
                _log.Warning("Lease request rejected: {0}; retrying in {1}", rejected.Reason, _timings.RetryInterval);
                Context.System.EventStream.Publish(new NodeLeaseProblem(rejected.Reason));
                // Re-acquiring the subnet the running data path serves, and refused (out of subnets):
                // the lease may have ended while this node was away and gone to another host. Learn
                // the view to find out (ServedSubnetTaken).
                if (_lease is null && _dataplane.ServedSubnet is not null)
                    EnsureSubscriber();
                break;
            case LeaseRefused { Kind: LeaseRefusal.NotHolder } refused when !_acquiring && _lease is not null
                                                                          && refused.Subnet == _lease.Subnet:
                // The registry knows this lease under another member address (this node's actor
                // system was restarted elsewhere): acquiring again moves it here, or says who has it.
                _log.Warning("Renewal of {0} refused: {1}; acquiring again", _lease.Subnet, refused.Reason);
                Timers.Cancel(nameof(Renew));
                Acquire(_lease.Subnet);
                break;
            case LeaseRefused refused:
                // Another live host holds this node's name or public IP (F27, F28): taking it would
                // put two hosts on one subnet. Loud, and retried: the lease comes back by itself
                // once the other holder is gone from the cluster.
                _log.Error("Lease refused: {0}; retrying every {1}", refused.Reason, _timings.RetryInterval);
                Context.System.EventStream.Publish(new NodeLeaseProblem($"lease refused: {refused.Reason}"));
                break;
            case Renew:
                if (_lease is not null)
                {
                    _registry.Tell(new RenewLease(_identity.NodeName, _lease.Subnet));
                    // Until the registry answers (a lost message, a failover), renew again.
                    Timers.StartSingleTimer(nameof(Renew), Renew.Instance, _timings.RetryInterval);
                }
                break;
            case LeaseRenewalSucceeded renewed when _lease is not null && renewed.Lease.Subnet == _lease.Subnet:
                _lease = renewed.Lease;
                ScheduleRenewal();
                break;
            case LeaseNotFound notFound when _lease is not null && notFound.Subnet == _lease.Subnet:
                _log.Warning("Registry has no lease {0} for this node any more; acquiring again", notFound.Subnet);
                Timers.Cancel(nameof(Renew));
                Acquire(_lease.Subnet);
                break;
            case StartDataplane:
                StartDataplaneIfLeased();
                break;
            case DataplaneFaulted fault:
                _log.Error(fault.Cause, "Data path failed; restarting it");
                _dataplaneRunning = false;
                _dataplane.Stop();
                Timers.StartSingleTimer(nameof(StartDataplane), StartDataplane.Instance, _timings.RetryInterval);
                break;
            case LeaseViewChanged changed:
                // One event on top of the view this actor already reconciled: only the subnet it
                // names can differ. A complete view (the first one, a transfer after a gap) is
                // compared as a whole.
                var incremental = changed.Delta is not null && _viewReceived && _inherited is null;
                _view = changed.View;
                _viewReceived = true;
                if (ServedSubnetTaken())
                    break;
                // Without a lease (a view learnt while the registry refuses) routes wait for the lease.
                if (_lease is null)
                    break;
                CheckOwnLease();
                if (!incremental)
                    ReconcilePeers();
                else if (changed.Delta!.Subnet is { } subnet)
                    ReconcileSubnet(subnet);
                break;
            case PeerRouteStopped stopped:
                _stopping.Remove(stopped.Subnet);
                ReconcileSubnet(stopped.Subnet);
                break;
            case SubscriberStats stats:
                _subscriberStats = stats;
                break;
            case GetNodeStatus:
                AnswerStatus(new NodeStatus(_lease, _network, _dataplaneRunning,
                    // Unordered: readiness asks often and only counts; /routes orders what it shows.
                    _peers.Values.Select(p => new PeerStatus(p.Lease, p.Counters)).ToList(),
                    _subscriberStats, _viewReceived));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Acquire(Ipv4Subnet? requested)
    {
        _acquiring = true;
        SendAcquire(requested);
        Timers.StartPeriodicTimer(nameof(RetryAcquire), RetryAcquire.Instance, _timings.RetryInterval);
    }

    private void SendAcquire(Ipv4Subnet? requested) =>
        _registry.Tell(new AcquireLease(_identity.NodeName, _identity.PublicIp, _identity.Port ?? AcquireLease.FollowBackendPort, requested,
            Cluster.Get(Context.System).SelfAddress.ToString()));

    private void OnLeaseAcquired(LeaseAcquired acquired)
    {
        if (!_acquiring && _lease is not null && acquired.Lease.Subnet == _lease.Subnet)
        {
            _lease = acquired.Lease; // a late duplicate reply to a retried request
            return;
        }

        _acquiring = false;
        Timers.Cancel(nameof(RetryAcquire));
        if (_dataplane.ServedSubnet is { } served && served != acquired.Lease.Subnet)
        {
            _log.Error("The registry granted {0} but the running data path serves {1}; pods on this host have " +
                       "addresses in {1}: not moving them to {0} silently", acquired.Lease.Subnet, served);
            Timers.CancelAll();
            Become(Conflicted);
            Context.System.EventStream.Publish(new DataPathSubnetConflict(served, acquired.Lease.Subnet));
            return;
        }
        var previous = _lease;
        _lease = acquired.Lease;
        _network = acquired.Network;
        _log.Info("Lease {0} acquired (expires {1:u}){2}", _lease.Subnet, _lease.ExpiresAt,
            previous is not null && previous.Subnet != _lease.Subnet ? $", replacing {previous.Subnet}" : "");
        if (_lease.Port != _network.Backend.Port)
            _log.Warning("UDP port {0} (--port) is not the network's Backend.Port {1}: Overlay peers send to the lease's port, "
                + "flannel nodes to Backend.Port", _lease.Port, _network.Backend.Port);
        Context.System.EventStream.Publish(new NodeLeaseProblem(null));
        StartDataplaneIfLeased();
        ScheduleRenewal();
        EnsureSubscriber();
        ReconcilePeers();
    }

    private void EnsureSubscriber()
    {
        if (_subscriber.IsNobody())
            _subscriber = Context.ActorOf(LeaseSubscriberActor.Props(_registry, Self, _timings.ResyncInterval,
                _timings.RetryInterval), "leases");
    }

    /// <summary>
    /// True (and <see cref="DataPathSubnetTaken"/> published, the actor <see cref="Conflicted"/>) when
    /// this node holds no lease while its data path serves a subnet the view shows leased to another
    /// node: the F4 case, a node frozen beyond the grace whose subnet went to a newcomer. flanneld
    /// exits when its lease is gone; serving on would put two hosts on one subnet.
    /// </summary>
    private bool ServedSubnetTaken()
    {
        if (_lease is not null || _dataplane.ServedSubnet is not { } served
            || !_view.Leases.TryGetValue(served, out var holder) || holder.NodeName == _identity.NodeName)
            return false;
        _log.Error("The running data path serves {0}, but the registry has leased {0} to {1} ({2}) and refuses this node a lease: " +
                   "pods on this host have addresses in {0}; not serving them beside {1}", served, holder.NodeName, holder.PublicIp);
        Timers.CancelAll();
        Become(Conflicted);
        // Off the subnet at once: the process exit that follows takes a cluster leave (seconds), and
        // meanwhile two hosts would claim one subnet.
        _dataplane.Withdraw($"the registry leased {served} to {holder.NodeName} ({holder.PublicIp}) while this node was away");
        Context.System.EventStream.Publish(new DataPathSubnetTaken(served, holder.NodeName, holder.PublicIp.ToString()));
        return true;
    }

    /// <summary>After <see cref="DataPathSubnetConflict"/>: the data path is left as it is and nothing
    /// is asked or installed any more; only status is answered.</summary>
    private void Conflicted(object message)
    {
        if (message is GetNodeStatus)
            AnswerStatus(new NodeStatus(_lease, _network, _dataplane.ServedSubnet is not null, [], _subscriberStats));
    }

    /// <summary>Answers a status request with the subscriber's stats as they are now: the status is
    /// taken here, the stats are asked of the subscriber and filled in when they come (the last ones
    /// it reported if it does not answer in time).</summary>
    private void AnswerStatus(NodeStatus status)
    {
        if (_subscriber.IsNobody())
        {
            Sender.Tell(status);
            return;
        }
        _subscriber.Ask<SubscriberStats>(GetSubscriberStats.Instance, SubscriberStatsTimeout)
            .ContinueWith(t => status with { Subscriber = t.IsCompletedSuccessfully ? t.Result : status.Subscriber },
                TaskContinuationOptions.ExecuteSynchronously)
            .PipeTo(Sender);
    }

    private void StartDataplaneIfLeased()
    {
        if (_lease is null || _network is null)
            return;
        try
        {
            _dataplane.Start(_lease, _network);
            _dataplaneRunning = true;
        }
        catch (Exception ex)
        {
            _dataplaneRunning = false;
            _log.Error(ex, "Starting the data path for {0} failed; retrying in {1}", _lease.Subnet, _timings.RetryInterval);
            Timers.StartSingleTimer(nameof(StartDataplane), StartDataplane.Instance, _timings.RetryInterval);
        }
    }

    private void ScheduleRenewal()
    {
        if (_lease is null)
            return;
        // The shortest lifetime any fresh lease had since this process started stands in for the TTL
        // (the node is not told it): a registry whose clock jumps ahead (F21, a failover to a host
        // +13 h) hands out far-away ExpiresAt values, and renewing at a third of those would come
        // after the registry's own (monotonic) TTL.
        var remaining = _lease.ExpiresAt - _clock.GetUtcNow();
        if (remaining > TimeSpan.Zero && (_shortestLifetime is null || remaining < _shortestLifetime))
            _shortestLifetime = remaining;
        Timers.StartSingleTimer(nameof(Renew), Renew.Instance, RenewalDelay(remaining, _shortestLifetime));
    }

    /// <summary>
    /// When to renew a lease with <paramref name="remaining"/> lifetime (its registry-clock ExpiresAt
    /// minus this node's clock), given the <paramref name="shortestLifetime"/> seen so far: after a
    /// third of the smaller, at least one second. Early enough to survive a registry failover or two,
    /// a node clock that lags the registry's (F22: -90 s with a 2 min TTL renews after 70 s), and a
    /// registry clock that jumps ahead. A lost renewal is retried every RetryInterval until the
    /// registry answers.
    /// </summary>
    public static TimeSpan RenewalDelay(TimeSpan remaining, TimeSpan? shortestLifetime)
    {
        var basis = shortestLifetime is { } shortest && shortest < remaining ? shortest : remaining;
        return TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, basis.Ticks / RenewalDivisor));
    }

    /// <summary>A view newer than our lease that no longer has it means the registry ended it
    /// (evicted or expired): ask again, for the same subnet if it is still free.</summary>
    private void CheckOwnLease()
    {
        if (_lease is null || _acquiring || _view.Version < _lease.Version)
            return;
        if (_view.Leases.TryGetValue(_lease.Subnet, out var current) && current.NodeName == _identity.NodeName)
            return;
        _log.Warning("Lease {0} is no longer held by this node (registry version {1}); acquiring again",
            _lease.Subnet, _view.Version);
        Acquire(_lease.Subnet);
    }

    /// <summary>Brings every peer route in line with the whole view: O(N log N), for a complete
    /// view or a new own lease only.</summary>
    private void ReconcilePeers()
    {
        var own = _lease?.Subnet;
        foreach (var (subnet, peer) in _peers.ToList())
        {
            var wanted = _view.Leases.GetValueOrDefault(subnet);
            if (wanted is null || subnet == own)
                Apply(subnet, wanted, own, peer, null);
        }
        var inherited = _viewReceived ? TakeInherited(own) : null;
        foreach (var (subnet, wanted) in _view.Leases)
            Apply(subnet, wanted, own, _peers.GetValueOrDefault(subnet), inherited);
    }

    /// <summary>Brings one subnet's peer route in line with the view: O(log N), for one lease event
    /// or one route that finished stopping.</summary>
    private void ReconcileSubnet(Ipv4Subnet subnet)
    {
        Apply(subnet, _view.Leases.GetValueOrDefault(subnet), _lease?.Subnet, _peers.GetValueOrDefault(subnet), null);
    }

    private void Apply(Ipv4Subnet subnet, Lease? wanted, Ipv4Subnet? own, Peer? peer,
        Dictionary<Ipv4Subnet, InstalledRoute>? inherited)
    {
        switch (PeerRoutePlanner.Decide(subnet, wanted, own, peer?.Lease, _stopping.Contains(subnet)))
        {
            case PeerRouteAction.Start:
                // The counters are made here and handed to the route, so the status counts exactly
                // what the data path counts. An inherited route keeps its counters: unchanged, it is
                // rewritten with an identical entry.
                var counters = inherited is not null && inherited.TryGetValue(subnet, out var route)
                    ? route.Counters
                    : new PeerCounters();
                var child = Context.ActorOf(PeerRouteActor.Props(wanted!, _dataplane, counters), PeerRouteActor.NameOf(subnet));
                Context.WatchWith(child, new PeerRouteStopped(subnet));
                _peers[subnet] = new Peer(child, wanted!, counters);
                break;
            case PeerRouteAction.Update:
                peer!.Ref.Tell(new UpdatePeerLease(wanted!));
                _peers[subnet] = peer with { Lease = wanted! };
                break;
            case PeerRouteAction.Retire:
                peer!.Ref.Tell(RetirePeerRoute.Instance);
                _peers.Remove(subnet);
                _stopping.Add(subnet);
                break;
        }
    }

    /// <summary>Once, on the first full view: removes the inherited routes the view no longer has
    /// (never one it still has, so no route flaps) and hands back the rest for adoption.</summary>
    private Dictionary<Ipv4Subnet, InstalledRoute>? TakeInherited(Ipv4Subnet? own)
    {
        var inherited = _inherited;
        if (inherited is null)
            return null;
        _inherited = null;
        var stale = inherited.Keys.Where(s => s == own || !_view.Leases.ContainsKey(s)).ToList();
        foreach (var subnet in stale)
            _dataplane.RemovePeer(subnet);
        _log.Info("Adopted {0} routes of the running data path; removed {1} the registry no longer has{2}",
            inherited.Count - stale.Count, stale.Count, stale.Count > 0 ? ": " + string.Join(", ", stale) : "");
        return inherited;
    }

    private sealed record Peer(IActorRef Ref, Lease Lease, PeerCounters Counters);

    /// <summary>Sent by the watch on a peer route when it stopped.</summary>
    private sealed record PeerRouteStopped(Ipv4Subnet Subnet);

    private sealed record DataplaneFaulted(Exception Cause);

    private sealed class RetryAcquire
    {
        public static readonly RetryAcquire Instance = new();
    }

    private sealed class Renew
    {
        public static readonly Renew Instance = new();
    }

    private sealed class StartDataplane
    {
        public static readonly StartDataplane Instance = new();
    }
}
