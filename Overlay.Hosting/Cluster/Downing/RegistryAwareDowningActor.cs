using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using static Akka.Cluster.ClusterEvent;

namespace Overlay.Hosting.Cluster.Downing;

/// <summary>
/// Runs <see cref="RegistryAwareDowning"/> the way Akka's split-brain resolver runs its strategies:
/// it follows the membership and the reachability table, and when this member is the leader and
/// the unreachable set has not changed for <c>stable-after</c>, it downs what the decision names
/// (itself last). Several members may think they lead during a partition; on the same gossip they
/// decide the same, and downing is idempotent.
/// </summary>
public sealed class RegistryAwareDowningActor : ReceiveActor, IWithTimers
{
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly TimeSpan _stableAfter;
    private readonly bool _downIfAlone;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<UniqueAddress, Member> _members = [];
    private IReadOnlyList<UnreachableObservation> _records = [];
    private bool _leader;
    private bool _selfUp;
    private DateTime _stableDeadline;

    /// <summary>Created by <see cref="RegistryAwareDowningProvider"/>.</summary>
    public RegistryAwareDowningActor(Akka.Cluster.Cluster cluster, TimeSpan stableAfter, bool downIfAlone)
    {
        _cluster = cluster;
        _stableAfter = stableAfter;
        _downIfAlone = downIfAlone;
        ResetStable();
        // MemberRemoved is a MemberStatusChange too: it must be matched first.
        Receive<MemberRemoved>(OnRemoved);
        Receive<MemberStatusChange>(OnMemberStatus);
        Receive<UnreachableMember>(m => OnReachabilityChanged(m.Member));
        Receive<ReachableMember>(m => OnReachabilityChanged(m.Member));
        Receive<LeaderChanged>(m => _leader = m.Leader is not null && m.Leader.Equals(_cluster.SelfAddress));
        Receive<Tick>(_ => OnTick());
        Receive<IClusterDomainEvent>(e =>
        {
            if (ReachabilityTable.TryRead(e, out var records))
            {
                _records = records;
            }
        });
    }

    /// <inheritdoc />
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc />
    protected override void PreStart()
    {
        _cluster.Subscribe(Self, InitialStateAsEvents, typeof(IClusterDomainEvent));
        // Akka's resolver looks once a second as well: decisions are due stable-after (seconds) later.
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromSeconds(1));
    }

    /// <inheritdoc />
    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void OnMemberStatus(MemberStatusChange change)
    {
        var member = change.Member;
        _members[member.UniqueAddress] = member;
        if (member.UniqueAddress.Equals(_cluster.SelfUniqueAddress) && member.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
        {
            _selfUp = true;
        }

        if (change is MemberUp or MemberExited or MemberDowned)
        {
            ResetStable();
        }
    }

    private void OnRemoved(MemberRemoved removed)
    {
        if (removed.Member.UniqueAddress.Equals(_cluster.SelfUniqueAddress))
        {
            Context.Stop(Self);
            return;
        }

        _members.Remove(removed.Member.UniqueAddress);
    }

    private void OnReachabilityChanged(Member member)
    {
        if (member.UniqueAddress.Equals(_cluster.SelfUniqueAddress))
        {
            return;
        }

        _members[member.UniqueAddress] = member;
        // Any change of the unreachable set starts the stable-after period again (Akka's resolver does the same).
        ResetStable();
    }

    private void ResetStable() => _stableDeadline = DateTime.UtcNow + _stableAfter;

    private void OnTick()
    {
        if (!_leader || !_selfUp || _records.Count == 0 || DateTime.UtcNow < _stableDeadline)
        {
            return;
        }

        var members = _members.Values.OrderBy(m => m, Member.AgeOrdering)
            .Select(m => new DowningMember(m.UniqueAddress, m.Status, m.HasRole(ClusterRoles.Registry)))
            .ToList();
        var outcome = RegistryAwareDowning.Decide(members, _records, _downIfAlone);
        if (outcome.Down.Count == 0)
        {
            return;
        }

        _log.Warning("Registry-aware downing: downing [{0}]{1}: {2}; unreachable records [{3}]",
            string.Join(", ", outcome.Down.Select(a => a.Address)),
            outcome.Down.Contains(_cluster.SelfUniqueAddress) ? " including myself" : "",
            outcome.Reason,
            string.Join(", ", _records.Select(r => $"{r.Observer.Address} -> {r.Subject.Address}")));
        foreach (var address in outcome.Down.Where(a => !a.Equals(_cluster.SelfUniqueAddress)))
        {
            _cluster.Down(address.Address);
        }

        if (outcome.Down.Contains(_cluster.SelfUniqueAddress))
        {
            _cluster.Down(_cluster.SelfAddress);
        }

        ResetStable();
    }

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }
}
