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
/// its <see cref="LeaseSubscriberActor"/> child. It owns the data path: a fault there restarts it,
/// and the data path stops with this actor. The lease is kept on stop, so a restart gets the same
/// subnet.
/// </summary>
public sealed class NodeActor : UntypedActor, IWithTimers
{
    /// <summary>The node renews when this fraction (1/3) of its lease's remaining lifetime has passed.</summary>
    private const int RenewalDivisor = 3;

    private readonly NodeIdentity _identity;
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

    /// <summary>Creates the actor; use <see cref="Props"/>.</summary>
    public NodeActor(NodeIdentity identity, IActorRef registry, IDataplane dataplane, TimeProvider clock)
    {
        _identity = identity;
        _registry = registry;
        _dataplane = dataplane;
        _clock = clock;
        var self = Self;
        _onFault = ex => self.Tell(new DataplaneFaulted(ex));
    }

    /// <summary>Props for the node agent; <paramref name="registry"/> is the registry singleton proxy.</summary>
    public static Props Props(NodeIdentity identity, IActorRef registry, IDataplane dataplane, TimeProvider? clock = null) =>
        Akka.Actor.Props.Create(() => new NodeActor(identity, registry, dataplane, clock ?? TimeProvider.System));

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        _dataplane.Faulted += _onFault;
        Acquire(_identity.RequestedSubnet);
    }

    /// <inheritdoc />
    protected override void PostStop()
    {
        _dataplane.Faulted -= _onFault;
        _dataplane.Stop();
        _log.Info("Data path stopped; lease {0} kept for a restart", _lease?.Subnet.ToString() ?? "(none)");
    }

    /// <inheritdoc />
    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case RetryAcquire:
                SendAcquire(_lease?.Subnet ?? _identity.RequestedSubnet);
                break;
            case LeaseAcquired acquired:
                OnLeaseAcquired(acquired);
                break;
            case LeaseRequestRejected rejected:
                _log.Warning("Lease request rejected: {0}; retrying in {1}", rejected.Reason, _identity.RetryInterval);
                Context.System.EventStream.Publish(new NodeLeaseProblem(rejected.Reason));
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
                _log.Error("Lease refused: {0}; retrying every {1}", refused.Reason, _identity.RetryInterval);
                Context.System.EventStream.Publish(new NodeLeaseProblem($"lease refused: {refused.Reason}"));
                break;
            case Renew:
                if (_lease is not null)
                {
                    _registry.Tell(new RenewLease(_identity.NodeName, _lease.Subnet));
                    // Until the registry answers (a lost message, a failover), renew again.
                    Timers.StartSingleTimer(nameof(Renew), Renew.Instance, _identity.RetryInterval);
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
                Timers.StartSingleTimer(nameof(StartDataplane), StartDataplane.Instance, _identity.RetryInterval);
                break;
            case LeaseViewChanged changed:
                _view = changed.View;
                CheckOwnLease();
                ReconcilePeers();
                break;
            case PeerRouteInstalled installed when _peers.TryGetValue(installed.Lease.Subnet, out var peer):
                _peers[installed.Lease.Subnet] = peer with { Counters = installed.Counters };
                break;
            case Terminated terminated:
                _stopping.RemoveWhere(s => PeerRouteActor.NameOf(s) == terminated.ActorRef.Path.Name);
                ReconcilePeers();
                break;
            case SubscriberStats stats:
                _subscriberStats = stats;
                break;
            case GetNodeStatus:
                if (!_subscriber.IsNobody())
                    _subscriber.Tell(GetSubscriberStats.Instance);
                Sender.Tell(new NodeStatus(_lease, _network, _dataplaneRunning,
                    _peers.Values.Where(p => p.Counters is not null)
                        .Select(p => new PeerStatus(p.Lease, p.Counters!)).ToList(),
                    _subscriberStats));
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
        Timers.StartPeriodicTimer(nameof(RetryAcquire), RetryAcquire.Instance, _identity.RetryInterval);
    }

    private void SendAcquire(Ipv4Subnet? requested) =>
        _registry.Tell(new AcquireLease(_identity.NodeName, _identity.PublicIp, _identity.Port, requested,
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
        var previous = _lease;
        _lease = acquired.Lease;
        _network = acquired.Network;
        _log.Info("Lease {0} acquired (expires {1:u}){2}", _lease.Subnet, _lease.ExpiresAt,
            previous is not null && previous.Subnet != _lease.Subnet ? $", replacing {previous.Subnet}" : "");
        Context.System.EventStream.Publish(new NodeLeaseProblem(null));
        StartDataplaneIfLeased();
        ScheduleRenewal();
        if (_subscriber.IsNobody())
            _subscriber = Context.ActorOf(LeaseSubscriberActor.Props(_registry, Self, _identity.ResyncInterval,
                _identity.RetryInterval), "leases");
        ReconcilePeers();
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
            _log.Error(ex, "Starting the data path for {0} failed; retrying in {1}", _lease.Subnet, _identity.RetryInterval);
            Timers.StartSingleTimer(nameof(StartDataplane), StartDataplane.Instance, _identity.RetryInterval);
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

    private void ReconcilePeers()
    {
        var own = _lease?.Subnet;
        var desired = _view.Leases.Values.Where(l => l.Subnet != own).ToDictionary(l => l.Subnet);
        foreach (var (subnet, peer) in _peers.ToList())
        {
            if (desired.ContainsKey(subnet))
                continue;
            Context.Stop(peer.Ref);
            _peers.Remove(subnet);
            _stopping.Add(subnet);
        }

        foreach (var (subnet, lease) in desired)
        {
            if (_peers.TryGetValue(subnet, out var peer))
            {
                if (peer.Lease != lease)
                {
                    peer.Ref.Tell(new UpdatePeerLease(lease));
                    _peers[subnet] = peer with { Lease = lease };
                }
            }
            else if (!_stopping.Contains(subnet))
            {
                var child = Context.ActorOf(PeerRouteActor.Props(lease, _dataplane), PeerRouteActor.NameOf(subnet));
                Context.Watch(child);
                _peers[subnet] = new Peer(child, lease, null);
            }
        }
    }

    private sealed record Peer(IActorRef Ref, Lease Lease, PeerCounters? Counters);

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
