using System.Collections;
using System.Collections.Immutable;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Leases;

/// <summary>
/// The lease registry's state and all of its decisions, without actors: <see cref="Process"/>,
/// <see cref="SweepExpired"/> and <see cref="EndLeasesOfRemovedMembers"/> decide (reply + events)
/// and never change the state; <see cref="Apply"/> returns the state after one persisted event.
/// </summary>
/// <remarks>
/// <para>Invariant, above everything: no two live leases overlap, and every lease granted lies in
/// SubnetMin..SubnetMax with prefix SubnetLen. Process only proposes grants that keep it, and Apply
/// throws <see cref="InvalidOperationException"/> on a grant that would break it (defence in depth
/// against a corrupt journal or a caller that skipped an event).</para>
/// <para>Versions: every event carries Version + 1, Version + 2, ... of the state that decided it,
/// Apply accepts only the next version, and a lease's Version is that of the event that last
/// changed it.</para>
/// <para>Leases whose ExpiresAt has passed stay live (renewable) until <see cref="SweepExpired"/>
/// ends them: the registry clock is the sweep.</para>
/// <para>Immutable: every instance can be shared between threads. Apply costs O(log n), except
/// NetworkConfigured, which rebuilds the allocator index in O(n log n).</para>
/// </remarks>
public sealed class LeaseRegistryState
{
    // All fields are immutable collections; a new state is a shallow copy with some replaced
    // (see Copy), which is why they are not readonly. No instance changes once returned.
    private ImmutableSortedDictionary<Ipv4Subnet, Lease> _leases = ImmutableSortedDictionary<Ipv4Subnet, Lease>.Empty;

    // Secondary indexes of live leases, for acquire (by node name, by public IP), member removal
    // and expiry, so that no command scans every lease.
    private KeyedSubnetIndex<string> _byNode = KeyedSubnetIndex<string>.Empty(StringComparer.Ordinal);
    private KeyedSubnetIndex<IPAddress> _byPublicIp = KeyedSubnetIndex<IPAddress>.Empty(IpAddressOrder.Instance);
    private KeyedSubnetIndex<string> _byMember = KeyedSubnetIndex<string>.Empty(StringComparer.Ordinal);
    private ImmutableSortedSet<(DateTimeOffset ExpiresAt, Ipv4Subnet Subnet)> _byExpiry = [];

    // Subnets freed recently, with the version that freed each: handed out last. At most
    // OverlayConstants.MaxFreedSubnetsRemembered (4096) are kept; beyond that the oldest is forgotten
    // and counts as never used again. Includes subnets a later config no longer admits.
    private ImmutableDictionary<Ipv4Subnet, long> _freed = ImmutableDictionary<Ipv4Subnet, long>.Empty;
    private ImmutableSortedSet<(long FreedAtVersion, Ipv4Subnet Subnet)> _freedByAge = [];

    // The allocator's index over the current config (null while unconfigured), and the live leases
    // that config does not admit: only ever non-empty between applying a NetworkConfigured and the
    // LeaseEnded(Incompatible) events decided with it.
    private SubnetUsage? _usage;
    private ImmutableSortedSet<Ipv4Subnet> _foreign = [];

    private LeaseRegistryState()
    {
    }

    /// <summary>The state before any event: version 0, no network, no leases.</summary>
    public static LeaseRegistryState Empty { get; } = new();

    /// <summary>The version of the last applied event; 0 when none.</summary>
    public long Version { get; private set; }

    /// <summary>The network config, or null until the first <see cref="NetworkConfigured"/>.</summary>
    public NetworkConfig? Network { get; private set; }

    /// <summary>The live leases, ordered by subnet. O(1) to get; enumerating costs O(n).</summary>
    public IReadOnlyCollection<Lease> Leases => new LiveLeases(_leases);

    /// <summary>The remembered freed subnets, oldest first (a fresh O(n) copy).</summary>
    public IReadOnlyList<FreedSubnet> Freed => _freedByAge.Select(f => new FreedSubnet(f.Subnet, f.FreedAtVersion)).ToList();

    /// <summary>How many subnets of SubnetMin..SubnetMax no live lease holds; 0 while unconfigured.</summary>
    public int FreeSubnetCount => _usage is null ? 0 : (int)Math.Min(int.MaxValue, _usage.FreeCount);

    /// <summary>True when some live lease names <paramref name="memberAddress"/> as its holder.</summary>
    public bool HoldsLease(string memberAddress) => _byMember.SubnetsOf(memberAddress ?? "").Any();

    /// <summary>The live lease with exactly this subnet, or null.</summary>
    public Lease? Find(Ipv4Subnet subnet) => _leases.GetValueOrDefault(subnet);

    // ---- decisions ------------------------------------------------------------------------------

    /// <summary>
    /// Decides a command from the registry's own actor system with no membership knowledge (tests,
    /// warm-up, tools): <see cref="Process(ILeaseRegistryCommand, DateTimeOffset, RegistrySettings, CommandOrigin, RegistryIncarnation, TimeSpan)"/>
    /// with <see cref="CommandOrigin.Local"/> and a fresh incarnation (no member is live, so no
    /// identity conflict can arise).
    /// </summary>
    public RegistryDecision Process(ILeaseRegistryCommand command, DateTimeOffset now, RegistrySettings settings) =>
        Process(command, now, settings, CommandOrigin.Local, RegistryIncarnation.Fresh, TimeSpan.Zero);

    /// <summary>
    /// Decides a command: the reply and the events to persist (none for queries, refusals and
    /// no-ops). Never changes this state. <paramref name="now"/> is the registry's wall clock (it
    /// only stamps ExpiresAt), <paramref name="settings"/> gives the TTL, <paramref name="origin"/>
    /// is the sender as the actor saw it, <paramref name="seen"/> what this registry incarnation saw
    /// (live members and their roles, renewals) and <paramref name="monotonic"/> its monotonic clock.
    /// </summary>
    /// <remarks>
    /// Authorisation: RenewLease and ReleaseLease only from the holder's member address;
    /// ConfigureNetwork, ApplyNetworkConfig and EvictLease only from a live member with the
    /// "registry" role; a local origin is trusted for all; an anonymous one for none but queries.
    /// Identity: AcquireLease is refused while a live member at another address holds the
    /// node name, or holds the public IP under another name.
    /// </remarks>
    public RegistryDecision Process(ILeaseRegistryCommand command, DateTimeOffset now, RegistrySettings settings,
        CommandOrigin origin, RegistryIncarnation seen, TimeSpan monotonic)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(seen);
        return command switch
        {
            ConfigureNetwork configure => RegistryOnly(command, origin, seen) ?? Offer(configure.Config),
            ApplyNetworkConfig apply => RegistryOnly(command, origin, seen) ?? Configure(apply.Config),
            AcquireLease acquire => Acquire(acquire, now + settings.Ttl, origin, seen, monotonic, settings.Ttl),
            RenewLease renew => Renew(renew, now + settings.Ttl, origin, seen, monotonic, settings.Ttl),
            ReleaseLease release => HolderOnly(release.Subnet, release.NodeName, nameof(ReleaseLease), origin)
                                    ?? End(release.Subnet, release.NodeName, LeaseEndReason.Released),
            EvictLease evict => RegistryOnly(command, origin, seen) ?? End(evict.Subnet, holder: null, LeaseEndReason.Evicted),
            GetLeaseSnapshot => Reply(new LeaseSnapshot(Version, Network, _leases.Values.ToList())),
            _ => Reply(new LeaseRequestRejected($"unsupported command: {command.GetType().Name}")),
        };
    }

    /// <summary>LeaseEnded(Expired) for every live lease with ExpiresAt &lt;= <paramref name="now"/>,
    /// in expiry order; no reply. Costs O(k log n) for k expired leases. The wall-clock-only rule:
    /// the registry actor uses the overload with a monotonic clock.</summary>
    public RegistryDecision SweepExpired(DateTimeOffset now)
    {
        var events = new List<ILeaseEvent>();
        foreach (var (expiresAt, subnet) in _byExpiry)
        {
            if (expiresAt > now)
                break;
            events.Add(new LeaseEnded(subnet, LeaseEndReason.Expired, Version + events.Count + 1));
        }
        return new RegistryDecision(null, events);
    }

    /// <summary>
    /// LeaseEnded(Expired) for every live lease that both clocks call expired: this incarnation has
    /// not persisted a grant or renewal of it for at least <paramref name="ttl"/> by its monotonic
    /// clock (<paramref name="monotonic"/>, zero at recovery, so a recovered registry gives every lease
    /// a full TTL), and its persisted ExpiresAt &lt;= <paramref name="now"/> on the wall clock. The
    /// wall clock is advice that can only delay an expiry: a registry host whose clock jumps ahead
    /// (+13 h after a failover, +10 min steps) ends nothing early, one that steps back holds leases a
    /// little longer. In expiry order; no reply. Costs O(k log n) for the k leases past ExpiresAt.
    /// </summary>
    public RegistryDecision SweepExpired(DateTimeOffset now, RegistryIncarnation seen, TimeSpan monotonic, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var events = new List<ILeaseEvent>();
        foreach (var (expiresAt, subnet) in _byExpiry)
        {
            if (expiresAt > now)
                break;
            if (monotonic - seen.TtlCountsFrom(subnet) < ttl)
                continue;
            events.Add(new LeaseEnded(subnet, LeaseEndReason.Expired, Version + events.Count + 1));
        }
        return new RegistryDecision(null, events);
    }

    /// <summary>
    /// LeaseEnded(MemberRemoved) for every live lease whose MemberAddress is a key of
    /// <paramref name="removedAt"/> with removedAt + <paramref name="grace"/> &lt;= <paramref name="now"/>,
    /// in subnet order; no reply. A holder that re-acquired meanwhile under a new member address
    /// keeps its lease (it no longer matches). Leases with an empty (unknown) MemberAddress are never
    /// ended this way. The caller must drop an address from <paramref name="removedAt"/> when a member
    /// with the same address joins again.
    /// </summary>
    public RegistryDecision EndLeasesOfRemovedMembers(
        IReadOnlyDictionary<string, DateTimeOffset> removedAt, DateTimeOffset now, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(removedAt);
        var ended = new SortedSet<Ipv4Subnet>();
        foreach (var (member, at) in removedAt)
        {
            if (string.IsNullOrEmpty(member) || at + grace > now)
                continue;
            ended.UnionWith(_byMember.SubnetsOf(member));
        }
        return EndedBecauseRemoved(ended);
    }

    /// <summary>
    /// LeaseEnded(MemberRemoved) for the leases of holders whose removal this registry incarnation
    /// observed itself (<see cref="RegistryIncarnation.RemovedAt"/>) at least <paramref name="grace"/>
    /// ago on its monotonic clock and that did not come back (a live member at the same address
    /// clears the removal). Holders it never saw removed get nothing from this rule, whatever the
    /// cluster looks like: a holder absent at recovery may be a live node of another cluster on a
    /// shared journal (an island), so only its TTL can end its lease. In subnet order; no reply.
    /// </summary>
    public RegistryDecision EndLeasesOfRemovedMembers(RegistryIncarnation seen, TimeSpan monotonic, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(seen);
        var ended = new SortedSet<Ipv4Subnet>();
        foreach (var (member, at) in seen.RemovedAt)
        {
            if (string.IsNullOrEmpty(member) || at + grace > monotonic || seen.IsLive(member))
                continue;
            ended.UnionWith(_byMember.SubnetsOf(member));
        }
        return EndedBecauseRemoved(ended);
    }

    private RegistryDecision EndedBecauseRemoved(SortedSet<Ipv4Subnet> ended)
    {
        var events = ended
            .Select((subnet, i) => (ILeaseEvent)new LeaseEnded(subnet, LeaseEndReason.MemberRemoved, Version + i + 1))
            .ToList();
        return new RegistryDecision(null, events);
    }

    // ---- authorisation --------------------------------------------------------------------------

    /// <summary>Null when <paramref name="origin"/> may change the config or evict (local, or a live
    /// member with the registry role), else the refusal.</summary>
    private static RegistryDecision? RegistryOnly(ILeaseRegistryCommand command, CommandOrigin origin, RegistryIncarnation seen)
    {
        if (origin.IsLocal || seen.HasRole(origin.Address, OverlayConstants.RegistryRole))
            return null;
        var subnet = (command as EvictLease)?.Subnet;
        return Reply(new LeaseRefused(LeaseRefusal.NotRegistryMember, subnet,
            $"{command.GetType().Name}{(subnet is null ? "" : " " + subnet)} from {origin} refused: only a live member with the " +
            $"'{OverlayConstants.RegistryRole}' role (a seed) may change the network config or evict a lease"));
    }

    /// <summary>Null when <paramref name="origin"/> may renew or release the lease on
    /// <paramref name="subnet"/> that <paramref name="node"/> holds (or when there is no such lease:
    /// the command answers LeaseNotFound then), else the refusal.</summary>
    private RegistryDecision? HolderOnly(Ipv4Subnet subnet, string node, string command, CommandOrigin origin)
    {
        if (!_leases.TryGetValue(subnet, out var lease) || lease.NodeName != node || IsHolder(lease, origin))
            return null;
        return Reply(new LeaseRefused(LeaseRefusal.NotHolder, subnet,
            $"{command} for {subnet} ({node}) from {origin} refused: the lease is held by " +
            $"{(string.IsNullOrEmpty(lease.MemberAddress) ? "an unknown member" : lease.MemberAddress)}"));
    }

    /// <summary>A local origin is trusted; a lease without a member address (granted before member
    /// addresses were recorded) accepts any member; otherwise only the holder's address.</summary>
    private static bool IsHolder(Lease lease, CommandOrigin origin) =>
        origin.IsLocal
        || (origin.Address!.Length > 0 && (string.IsNullOrEmpty(lease.MemberAddress) || lease.MemberAddress == origin.Address));

    /// <summary>ConfigureNetwork: the journal's config wins. Taken only while the registry has none;
    /// the same again is acknowledged; a different one is reported as drift and changes nothing.</summary>
    private RegistryDecision Offer(NetworkConfig? config)
    {
        if (config is null || Network is null || config.Equals(Network))
            return Configure(config);
        try
        {
            NetworkConfigParser.Validate(config);
        }
        catch (NetworkConfigException e)
        {
            return Reply(new LeaseRequestRejected($"invalid network config: {e.Message}"));
        }
        return Reply(new NetworkConfigDrifted(Network, config, Version));
    }

    /// <summary>ApplyNetworkConfig (and the first config): a changed config ends the leases it no
    /// longer admits, as flannel deletes incompatible leases.</summary>
    private RegistryDecision Configure(NetworkConfig? config)
    {
        if (config is null)
            return Reply(new LeaseRequestRejected("ConfigureNetwork without a config"));
        try
        {
            NetworkConfigParser.Validate(config);
        }
        catch (NetworkConfigException e)
        {
            return Reply(new LeaseRequestRejected($"invalid network config: {e.Message}"));
        }
        if (config.Equals(Network))
            return Reply(new NetworkConfigured(config, Version));

        var configured = new NetworkConfigured(config, Version + 1);
        var events = new List<ILeaseEvent> { configured };
        foreach (var subnet in _leases.Keys)
        {
            if (!config.Admits(subnet))
                events.Add(new LeaseEnded(subnet, LeaseEndReason.Incompatible, Version + events.Count + 1));
        }
        return new RegistryDecision(configured, events);
    }

    private RegistryDecision Acquire(AcquireLease request, DateTimeOffset expiresAt, CommandOrigin origin, RegistryIncarnation seen,
        TimeSpan monotonic, TimeSpan ttl)
    {
        if (Network is not { } network || _usage is not { } usage)
            return Reply(new LeaseRequestRejected("network not configured"));
        if (string.IsNullOrWhiteSpace(request.NodeName))
            return Reply(new LeaseRequestRejected("AcquireLease needs a node name"));
        if (request.PublicIp is null)
            return Reply(new LeaseRequestRejected($"AcquireLease for {request.NodeName} needs a public IP"));
        if (request.Port is < AcquireLease.FollowBackendPort or > OverlayConstants.MaxPort)
            return Reply(new LeaseRequestRejected(
                $"AcquireLease for {request.NodeName} needs a port in 1..{OverlayConstants.MaxPort} (or 0 for Backend.Port): {request.Port}"));
        // The lease records the port the node binds: Backend.Port unless the node overrides it.
        var port = request.Port == AcquireLease.FollowBackendPort ? network.Backend.Port : request.Port;

        // Who asks: the sender's cluster address; only the registry's own actor system may declare one.
        var requester = request.MemberAddress ?? "";
        if (!origin.IsLocal)
        {
            if (origin.Address!.Length == 0)
                return Reply(new LeaseRefused(LeaseRefusal.NotHolder, null,
                    $"AcquireLease for {request.NodeName} from {origin} refused: the registry authorises by the sender's cluster address"));
            if (requester.Length > 0 && requester != origin.Address)
                return Reply(new LeaseRefused(LeaseRefusal.NotHolder, null,
                    $"AcquireLease for {request.NodeName} declares member {requester} but came from {origin.Address}; refusing"));
            requester = origin.Address;
        }
        if (IdentityConflict(request, requester, seen) is { } conflict)
            return Reply(conflict);

        // flannel's order: the lease this node holds (by name, then by public IP), then the subnet
        // it asks for if valid and free, then the allocator's pick.
        var subnet = HeldBy(_byNode, request.NodeName)
                     ?? HeldBy(_byPublicIp, request.PublicIp)
                     ?? (request.RequestedSubnet is { } requested && network.Admits(requested) && !OverlapsLive(requested)
                         ? requested
                         : usage.Pick(_foreign));
        if (subnet is not { } granted)
            return Reply(new LeaseRequestRejected(
                $"out of subnets in {network.Network} (SubnetMin {network.SubnetMin.NetworkAddress} .. SubnetMax {network.SubnetMax.NetworkAddress})"));

        // A repeated acquire of the lease this node already holds, unchanged, within the renewal
        // coalescing window of its last persisted grant or renewal (retries that piled up while the
        // registry was slow, a restart storm) is answered with the lease as it is: one journal event
        // per grant, not one per retry.
        if (_leases.TryGetValue(granted, out var current) && current.NodeName == request.NodeName
            && current.PublicIp.Equals(request.PublicIp) && current.Port == port && current.MemberAddress == requester
            && seen.LastRenewal(granted) is { } last && monotonic - last < RenewalCoalescingWindow(ttl))
            return Reply(new LeaseAcquired(current, network));

        var lease = new Lease(granted, request.NodeName, request.PublicIp, port, expiresAt, Version + 1, requester);
        return new RegistryDecision(new LeaseAcquired(lease, network), [new LeaseGranted(lease)]);
    }

    /// <summary>
    /// The refusal when a live member other than <paramref name="requester"/> holds the node name, or
    /// holds the public IP under another name (two hosts with one --node-name, F27; two nodes with one
    /// public IP, F28): handing it over would put two live hosts on one subnet, or make the two take
    /// the lease from each other on every renewal. A holder that is no longer a live member of this
    /// registry's cluster (removed, downed, exiting, or never seen) does not block: its lease goes to
    /// the requester as before (a restarted or renamed host).
    /// </summary>
    private LeaseRefused? IdentityConflict(AcquireLease request, string requester, RegistryIncarnation seen)
    {
        var who = requester.Length > 0 ? requester : "a requester without a member address";
        foreach (var subnet in _byNode.SubnetsOf(request.NodeName))
        {
            var held = _leases[subnet];
            if (BlocksRequester(held, requester, seen))
                return new LeaseRefused(LeaseRefusal.IdentityConflict, subnet,
                    $"node name {request.NodeName} is held by {held.MemberAddress} ({subnet}, public IP {held.PublicIp}); refusing {who}");
        }
        foreach (var subnet in _byPublicIp.SubnetsOf(request.PublicIp))
        {
            var held = _leases[subnet];
            if (held.NodeName != request.NodeName && BlocksRequester(held, requester, seen))
                return new LeaseRefused(LeaseRefusal.IdentityConflict, subnet,
                    $"public IP {request.PublicIp} is held by node {held.NodeName} at {held.MemberAddress} ({subnet}); " +
                    $"refusing node {request.NodeName} at {who}");
        }
        return null;
    }

    private static bool BlocksRequester(Lease held, string requester, RegistryIncarnation seen) =>
        !string.IsNullOrEmpty(held.MemberAddress) && held.MemberAddress != requester && seen.IsLive(held.MemberAddress);

    /// <summary>The lowest live subnet indexed under <paramref name="key"/> that the config admits.</summary>
    private Ipv4Subnet? HeldBy<TKey>(KeyedSubnetIndex<TKey> index, TKey key)
        where TKey : notnull
    {
        foreach (var subnet in index.SubnetsOf(key))
        {
            if (Network!.Admits(subnet))
                return subnet;
        }
        return null;
    }

    private bool OverlapsLive(Ipv4Subnet subnet)
    {
        // Admitted leases all have the candidate's length and alignment, so for them overlap means
        // equality; the rest are the few foreign leases of a config change in progress.
        if (_leases.ContainsKey(subnet))
            return true;
        foreach (var foreign in _foreign)
        {
            if (foreign.Overlaps(subnet))
                return true;
        }
        return false;
    }

    private RegistryDecision Renew(RenewLease request, DateTimeOffset expiresAt, CommandOrigin origin,
        RegistryIncarnation seen, TimeSpan monotonic, TimeSpan ttl)
    {
        if (!_leases.TryGetValue(request.Subnet, out var lease) || lease.NodeName != request.NodeName)
            return Reply(new LeaseNotFound(request.Subnet));
        if (HolderOnly(request.Subnet, request.NodeName, nameof(RenewLease), origin) is { } refused)
            return refused;
        // Retried renewals pile up in the singleton proxy while the registry fails over and arrive
        // together: one event per window is enough (the TTL is far longer), the rest are answered
        // with the lease as it is (no journal amplification).
        if (seen.LastRenewal(request.Subnet) is { } last && monotonic - last < RenewalCoalescingWindow(ttl))
            return Reply(new LeaseRenewalSucceeded(lease));
        var renewed = new LeaseRenewed(request.Subnet, expiresAt, Version + 1);
        return new RegistryDecision(
            new LeaseRenewalSucceeded(lease with { ExpiresAt = expiresAt, Version = renewed.Version }), [renewed]);
    }

    /// <summary>How long after a persisted renewal another renewal of the same lease is answered
    /// without a new event: a twentieth of the TTL, at most <see cref="OverlayConstants.MaxRenewalCoalescing"/>.</summary>
    public static TimeSpan RenewalCoalescingWindow(TimeSpan ttl) =>
        TimeSpan.FromTicks(Math.Min(ttl.Ticks / OverlayConstants.RenewalCoalescingTtlDivisor, OverlayConstants.MaxRenewalCoalescing.Ticks));

    private RegistryDecision End(Ipv4Subnet subnet, string? holder, LeaseEndReason reason)
    {
        if (!_leases.TryGetValue(subnet, out var lease) || (holder is not null && lease.NodeName != holder))
            return Reply(new LeaseNotFound(subnet));
        var ended = new LeaseEnded(subnet, reason, Version + 1);
        return new RegistryDecision(new LeaseRemovalSucceeded(subnet, ended.Version), [ended]);
    }

    private static RegistryDecision Reply(IOverlayMessage reply) => new(reply, []);

    // ---- applying events ------------------------------------------------------------------------

    /// <summary>
    /// The state after <paramref name="e"/>. Throws <see cref="InvalidOperationException"/> when
    /// e.Version is not Version + 1, when a grant would break the invariant (no network, outside
    /// SubnetMin..SubnetMax or not SubnetLen long, overlapping a live lease other than the one it
    /// replaces), or when a renewal or end names no live lease.
    /// </summary>
    public LeaseRegistryState Apply(ILeaseEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.Version != Version + 1)
            throw new InvalidOperationException(
                $"cannot apply {e.GetType().Name} version {e.Version} to the lease registry at version {Version}: expected version {Version + 1}");
        var next = e switch
        {
            NetworkConfigured configured => WithNetwork(configured.Config),
            LeaseGranted granted => WithGranted(granted.Lease),
            LeaseRenewed renewed => WithRenewed(renewed),
            LeaseEnded ended => WithEnded(ended),
            _ => throw new InvalidOperationException($"cannot apply unknown lease event {e.GetType().Name} version {e.Version}"),
        };
        next.Version = e.Version;
        return next;
    }

    private LeaseRegistryState WithNetwork(NetworkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var next = Copy();
        next.Network = config;
        next.RebuildUsage();
        return next;
    }

    private LeaseRegistryState WithGranted(Lease lease)
    {
        if (Network is not { } network)
            throw new InvalidOperationException($"cannot grant {lease.Subnet} to {lease.NodeName}: no network config");
        if (!network.Admits(lease.Subnet))
            throw new InvalidOperationException(
                $"cannot grant {lease.Subnet} to {lease.NodeName}: not a /{network.SubnetLen} in {network.SubnetMin}..{network.SubnetMax}");
        foreach (var foreign in _foreign)
        {
            if (foreign.Overlaps(lease.Subnet))
                throw new InvalidOperationException(
                    $"cannot grant {lease.Subnet} to {lease.NodeName}: overlaps the live lease {foreign}");
        }

        var next = Copy();
        if (_leases.TryGetValue(lease.Subnet, out var replaced))
            next.Unindex(replaced);
        next.Index(lease);
        next._usage = next._usage!.WithLive(lease.Subnet);
        if (next._freed.TryGetValue(lease.Subnet, out var freedAt))
        {
            next._freed = next._freed.Remove(lease.Subnet);
            next._freedByAge = next._freedByAge.Remove((freedAt, lease.Subnet));
        }
        return next;
    }

    private LeaseRegistryState WithRenewed(LeaseRenewed renewed)
    {
        if (!_leases.TryGetValue(renewed.Subnet, out var lease))
            throw new InvalidOperationException($"cannot renew {renewed.Subnet}: no live lease");
        var next = Copy();
        next.Unindex(lease);
        next.Index(lease with { ExpiresAt = renewed.ExpiresAt, Version = renewed.Version });
        return next;
    }

    private LeaseRegistryState WithEnded(LeaseEnded ended)
    {
        if (!_leases.TryGetValue(ended.Subnet, out var lease))
            throw new InvalidOperationException($"cannot end {ended.Subnet} ({ended.Reason}): no live lease");
        var next = Copy();
        next.Unindex(lease);
        next.Remember(ended.Subnet, ended.Version);
        return next;
    }

    private void Remember(Ipv4Subnet subnet, long freedAtVersion)
    {
        if (_freed.TryGetValue(subnet, out var old))
            _freedByAge = _freedByAge.Remove((old, subnet));
        _freed = _freed.SetItem(subnet, freedAtVersion);
        _freedByAge = _freedByAge.Add((freedAtVersion, subnet));
        _usage = _usage?.WithFreed(subnet, freedAtVersion);
        while (_freed.Count > OverlayConstants.MaxFreedSubnetsRemembered)
        {
            var oldest = _freedByAge.Min;
            _freed = _freed.Remove(oldest.Subnet);
            _freedByAge = _freedByAge.Remove(oldest);
            _usage = _usage?.WithoutFreed(oldest.Subnet);
        }
    }

    // Index and Unindex keep _leases, the secondary indexes and _foreign in step; the caller
    // updates _usage (grant and end differ there).
    private void Index(Lease lease)
    {
        _leases = _leases.SetItem(lease.Subnet, lease);
        _byNode = _byNode.Add(lease.NodeName ?? "", lease.Subnet);
        _byPublicIp = _byPublicIp.Add(lease.PublicIp, lease.Subnet);
        _byMember = _byMember.Add(lease.MemberAddress ?? "", lease.Subnet);
        _byExpiry = _byExpiry.Add((lease.ExpiresAt, lease.Subnet));
        if (Network is null || !Network.Admits(lease.Subnet))
            _foreign = _foreign.Add(lease.Subnet);
    }

    /// <summary>
    /// What <see cref="Index"/> does for each of <paramref name="leases"/> (distinct subnets in
    /// ascending order, into an empty state with Network set), with builders, the independent
    /// indexes built in parallel: recovery of 65,536 leases one immutable update at a time spent
    /// seconds allocating tree paths (measured by bench/control-plane.sh). Pure: each part writes only
    /// its own field of this (not yet published) state.
    /// </summary>
    private void IndexAll(IReadOnlyList<Lease> leases)
    {
        var network = Network;
        Parallel.Invoke(
            () =>
            {
                var byLease = ImmutableSortedDictionary.CreateBuilder<Ipv4Subnet, Lease>();
                foreach (var lease in leases)
                    byLease.Add(lease.Subnet, lease);
                _leases = byLease.ToImmutable();
            },
            // Arrays, not lazy sequences: CreateRange copies a collection of known size once.
            () => _byNode = KeyedSubnetIndex<string>.Create(Entries(leases, l => l.NodeName ?? ""), StringComparer.Ordinal),
            () => _byPublicIp = KeyedSubnetIndex<IPAddress>.Create(Entries(leases, l => l.PublicIp), IpAddressOrder.Instance),
            () => _byMember = KeyedSubnetIndex<string>.Create(Entries(leases, l => l.MemberAddress ?? ""),
                StringComparer.Ordinal),
            () =>
            {
                _byExpiry = ImmutableSortedSet.CreateRange(Entries(leases, l => l.ExpiresAt));
                _foreign = network is null
                    ? [.. leases.Select(l => l.Subnet)]
                    : [.. leases.Select(l => l.Subnet).Where(s => !network.Admits(s))];
            });

        static (TKey, Ipv4Subnet)[] Entries<TKey>(IReadOnlyList<Lease> leases, Func<Lease, TKey> keyOf)
        {
            var entries = new (TKey, Ipv4Subnet)[leases.Count];
            for (var i = 0; i < entries.Length; i++)
                entries[i] = (keyOf(leases[i]), leases[i].Subnet);
            return entries;
        }
    }

    private void Unindex(Lease lease)
    {
        _leases = _leases.Remove(lease.Subnet);
        _byNode = _byNode.Remove(lease.NodeName ?? "", lease.Subnet);
        _byPublicIp = _byPublicIp.Remove(lease.PublicIp, lease.Subnet);
        _byMember = _byMember.Remove(lease.MemberAddress ?? "", lease.Subnet);
        _byExpiry = _byExpiry.Remove((lease.ExpiresAt, lease.Subnet));
        _foreign = _foreign.Remove(lease.Subnet);
    }

    /// <summary>Recomputes the allocator index and the foreign set for the current Network.</summary>
    private void RebuildUsage()
    {
        if (Network is not { } network)
        {
            _usage = null;
            _foreign = [.. _leases.Keys];
            return;
        }
        _usage = SubnetUsage.Create(network, _leases.Keys, _freedByAge.Select(f => (f.Subnet, f.FreedAtVersion)));
        _foreign = [.. _leases.Keys.Where(s => !network.Admits(s))];
    }

    private LeaseRegistryState Copy() => (LeaseRegistryState)MemberwiseClone();

    // ---- snapshots ------------------------------------------------------------------------------

    /// <summary>The whole state for the snapshot store: leases by subnet, freed oldest first.</summary>
    public RegistrySnapshot ToSnapshot() => new(Version, Network, _leases.Values.ToList(), Freed);

    /// <summary>
    /// The state a snapshot describes; it behaves exactly like the state that produced it. Throws
    /// <see cref="InvalidOperationException"/> when the snapshot breaks the invariant (overlapping
    /// leases, leases without a network, versions beyond the snapshot's).
    /// </summary>
    public static LeaseRegistryState FromSnapshot(RegistrySnapshot s)
    {
        ArgumentNullException.ThrowIfNull(s);
        // ToSnapshot writes leases in subnet order; sort only a snapshot that is not.
        IReadOnlyList<Lease> leases = s.Leases ?? [];
        if (!IsSortedBySubnet(leases))
            leases = leases.OrderBy(l => l.Subnet).ToList();
        if (s.Network is null && leases.Count > 0)
            throw new InvalidOperationException($"snapshot at version {s.Version} has {leases.Count} leases but no network config");

        var state = Empty.Copy();
        state.Version = s.Version;
        state.Network = s.Network;
        // One pass checks the invariant. Sorted by (network, prefix), a lease overlaps an earlier one
        // exactly when it starts at or before the furthest end seen so far.
        Ipv4Subnet? furthest = null;
        foreach (var lease in leases)
        {
            if (furthest is { } reach && lease.Subnet.Network <= reach.Last)
                throw new InvalidOperationException(
                    $"snapshot at version {s.Version} has overlapping leases {reach} and {lease.Subnet}");
            if (lease.Version > s.Version)
                throw new InvalidOperationException(
                    $"snapshot at version {s.Version} has lease {lease.Subnet} at version {lease.Version}");
            if (furthest is null || lease.Subnet.Last > furthest.Value.Last)
                furthest = lease.Subnet;
        }
        state.IndexAll(leases);
        foreach (var freed in (s.Freed ?? []).OrderBy(f => f.FreedAtVersion))
        {
            if (!state._leases.ContainsKey(freed.Subnet))
                state.Remember(freed.Subnet, freed.FreedAtVersion);
        }
        state.RebuildUsage();
        return state;
    }

    private static bool IsSortedBySubnet(IReadOnlyList<Lease> leases)
    {
        for (var i = 1; i < leases.Count; i++)
        {
            if (leases[i - 1].Subnet.CompareTo(leases[i].Subnet) > 0)
                return false;
        }
        return true;
    }

    /// <summary>A read-only, ordered view of the live leases with O(1) Count (not the public
    /// <see cref="Leases.LeaseView"/> record a subscriber keeps).</summary>
    private sealed class LiveLeases(ImmutableSortedDictionary<Ipv4Subnet, Lease> leases) : IReadOnlyCollection<Lease>
    {
        public int Count => leases.Count;

        public IEnumerator<Lease> GetEnumerator() => leases.Values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
