using System.Collections.Immutable;
using Overlay.Actors.Addressing;

namespace Overlay.Actors.Leases;

/// <summary>
/// What one incarnation of the lease registry (one recovery of the persistent actor, on one
/// singleton host) has itself seen since it recovered: cluster members with their liveness and
/// roles, the removals it observed, and when it last persisted a grant or renewal of each lease.
/// Never persisted and never inherited by the next incarnation: a registry that recovers (restart
/// or singleton failover) starts with an empty one, which is what makes every lease's TTL and every
/// holder's grace count from recovery at the earliest.
/// </summary>
/// <remarks>
/// <para>Times are offsets on a monotonic clock whose zero is this incarnation's recovery (the
/// actor reads <see cref="TimeProvider.GetElapsedTime(long)"/>); a wall-clock step cannot move them.</para>
/// <para>Immutable; every With* returns a new instance. Costs O(log n) per change.</para>
/// </remarks>
public sealed class RegistryIncarnation
{
    private ImmutableDictionary<string, SeenMember> _members = ImmutableDictionary<string, SeenMember>.Empty.WithComparers(StringComparer.Ordinal);
    private ImmutableDictionary<string, TimeSpan> _removedAt = ImmutableDictionary<string, TimeSpan>.Empty.WithComparers(StringComparer.Ordinal);
    private ImmutableDictionary<Ipv4Subnet, TimeSpan> _lastRenewal = ImmutableDictionary<Ipv4Subnet, TimeSpan>.Empty;

    // Where leases without a renewal seen here count from: the recovery (zero), moved forward by
    // every stall of the registry (WithStall).
    private TimeSpan _baseline;

    private RegistryIncarnation()
    {
    }

    /// <summary>An incarnation that has seen nothing yet (just recovered, at monotonic time 0).</summary>
    public static RegistryIncarnation Fresh { get; } = new();

    /// <summary>Members by address as last seen, live or not; a removed member stays here (not live).</summary>
    public IReadOnlyDictionary<string, SeenMember> Members => _members;

    /// <summary>Member addresses whose removal this incarnation observed (MemberRemoved), with when.</summary>
    public IReadOnlyDictionary<string, TimeSpan> RemovedAt => _removedAt;

    /// <summary>True when <paramref name="address"/> is a member of the registry's cluster that still
    /// runs: seen and neither downed, exiting nor removed. Unknown and empty addresses are not live.</summary>
    public bool IsLive(string? address) =>
        !string.IsNullOrEmpty(address) && _members.TryGetValue(address, out var member) && member.Live;

    /// <summary>True when <paramref name="address"/> is a live member with <paramref name="role"/>.</summary>
    public bool HasRole(string? address, string role) =>
        IsLive(address) && _members[address!].Roles.Contains(role);

    /// <summary>When this incarnation last persisted a grant or renewal of <paramref name="subnet"/>;
    /// null when it has not (the lease's TTL then counts from <see cref="Baseline"/>).</summary>
    public TimeSpan? LastRenewal(Ipv4Subnet subnet) => _lastRenewal.TryGetValue(subnet, out var at) ? at : null;

    /// <summary>Where the TTL of a lease without a renewal seen here counts from: the recovery (zero),
    /// plus every stall since (<see cref="WithStall"/>).</summary>
    public TimeSpan Baseline => _baseline;

    /// <summary>When the TTL of <paramref name="subnet"/> counts from: its last renewal seen here, else
    /// <see cref="Baseline"/>.</summary>
    public TimeSpan TtlCountsFrom(Ipv4Subnet subnet) => LastRenewal(subnet) ?? _baseline;

    /// <summary>
    /// The registry did not run for <paramref name="stall"/> (its process was stopped or starved,
    /// noticed as a late sweep): renewals could not reach it meanwhile, so that time counts against no
    /// lease's TTL and no holder's grace. Every recorded time moves forward by it (at most to
    /// <paramref name="monotonic"/>, now), which is O(n) and happens only after a stall.
    /// </summary>
    public RegistryIncarnation WithStall(TimeSpan stall, TimeSpan monotonic)
    {
        if (stall <= TimeSpan.Zero)
            return this;
        TimeSpan Shift(TimeSpan at) => at + stall < monotonic ? at + stall : monotonic;
        var next = Copy();
        next._baseline = Shift(_baseline);
        next._lastRenewal = _lastRenewal.ToImmutableDictionary(kv => kv.Key, kv => Shift(kv.Value));
        next._removedAt = _removedAt.ToImmutableDictionary(kv => kv.Key, kv => Shift(kv.Value), StringComparer.Ordinal);
        return next;
    }

    /// <summary>A member was seen with this status. A live member at an address whose removal was
    /// observed is back (same address, new process): its removal no longer counts.</summary>
    public RegistryIncarnation WithMember(string address, bool live, IEnumerable<string> roles)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        var next = Copy();
        next._members = _members.SetItem(address, new SeenMember(live, [.. roles]));
        if (live)
            next._removedAt = _removedAt.Remove(address);
        return next;
    }

    /// <summary>The cluster removed the member at <paramref name="address"/>, observed at
    /// <paramref name="at"/>; the first observation counts.</summary>
    public RegistryIncarnation WithRemoved(string address, TimeSpan at)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        var next = Copy();
        var roles = _members.TryGetValue(address, out var member) ? member.Roles : [];
        next._members = _members.SetItem(address, new SeenMember(false, roles));
        if (!_removedAt.ContainsKey(address))
            next._removedAt = _removedAt.SetItem(address, at);
        return next;
    }

    /// <summary>The event <paramref name="e"/> was persisted at <paramref name="at"/>: a grant or
    /// renewal restarts that lease's TTL, an end forgets it.</summary>
    public RegistryIncarnation WithPersisted(ILeaseEvent e, TimeSpan at)
    {
        ArgumentNullException.ThrowIfNull(e);
        var next = Copy();
        next._lastRenewal = e switch
        {
            LeaseGranted granted => _lastRenewal.SetItem(granted.Lease.Subnet, at),
            LeaseRenewed renewed => _lastRenewal.SetItem(renewed.Subnet, at),
            LeaseEnded ended => _lastRenewal.Remove(ended.Subnet),
            _ => _lastRenewal,
        };
        return next;
    }

    /// <summary>
    /// Forgets removed members whose removal is at least <paramref name="grace"/> old at
    /// <paramref name="monotonic"/> and that hold no lease any more (<paramref name="holdsLease"/>
    /// false): nothing can depend on them, and a long-lived registry with member churn must not
    /// remember every address it ever saw. Returns this instance when there is nothing to forget.
    /// </summary>
    public RegistryIncarnation WithoutSettledRemovals(TimeSpan monotonic, TimeSpan grace, Func<string, bool> holdsLease)
    {
        ArgumentNullException.ThrowIfNull(holdsLease);
        var settled = _removedAt.Where(r => r.Value + grace <= monotonic && !holdsLease(r.Key)).Select(r => r.Key).ToList();
        if (settled.Count == 0)
            return this;
        var next = Copy();
        next._removedAt = _removedAt.RemoveRange(settled);
        next._members = _members.RemoveRange(settled);
        return next;
    }

    private RegistryIncarnation Copy() => (RegistryIncarnation)MemberwiseClone();

    /// <summary>One member as last seen: whether it still runs, and its roles.</summary>
    public sealed record SeenMember(bool Live, ImmutableHashSet<string> Roles);
}
