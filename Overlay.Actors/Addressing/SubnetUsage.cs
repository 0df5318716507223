using System.Collections.Immutable;
using Overlay.Actors.Configuration;

namespace Overlay.Actors.Addressing;

/// <summary>
/// An immutable index of which subnets of one <see cref="NetworkConfig"/> are live and which are
/// remembered as recently freed, kept so that <see cref="Pick"/> costs O(log² n) instead of a scan
/// of SubnetMin..SubnetMax (65,536 subnets for a /8 cut into /24s).
/// </summary>
/// <remarks>
/// Only subnets the config admits are recorded; the With* methods ignore any other subnet (the
/// caller passes such live subnets to <see cref="Pick"/> as blockers instead). Each With* returns a
/// new index sharing structure with this one. Immutable, hence thread-safe.
/// </remarks>
public sealed class SubnetUsage
{
    // Indexes (positions in SubnetMin..SubnetMax) that are live or remembered as freed: the "used"
    // ones. The lowest never-used subnet is the first gap in this sorted set.
    private readonly ImmutableSortedSet<long> _used;

    // Index -> FreedAtVersion, and the same pairs ordered oldest first. Never overlaps the live set.
    private readonly ImmutableDictionary<long, long> _freedAt;
    private readonly ImmutableSortedSet<(long Version, long Index)> _freedByAge;

    private SubnetUsage(
        NetworkConfig config,
        ImmutableSortedSet<long> used,
        ImmutableDictionary<long, long> freedAt,
        ImmutableSortedSet<(long Version, long Index)> freedByAge)
    {
        Config = config;
        _used = used;
        _freedAt = freedAt;
        _freedByAge = freedByAge;
    }

    /// <summary>An index for <paramref name="config"/> with nothing live and nothing freed.</summary>
    public static SubnetUsage Empty(NetworkConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new SubnetUsage(config, [], ImmutableDictionary<long, long>.Empty, []);
    }

    /// <summary>An index for <paramref name="config"/> from live subnets and freed (subnet, version)
    /// pairs; a subnet in both counts as live.</summary>
    public static SubnetUsage Create(
        NetworkConfig config, IEnumerable<Ipv4Subnet> live, IEnumerable<(Ipv4Subnet Subnet, long FreedAtVersion)> freed)
    {
        // The same steps as WithFreed for each freed pair, then WithLive for each live subnet, on
        // builders: one immutable update per subnet cost seconds for 65,536 leases at recovery.
        ArgumentNullException.ThrowIfNull(config);
        var used = ImmutableSortedSet.CreateBuilder<long>();
        var freedAt = ImmutableDictionary.CreateBuilder<long, long>();
        var byAge = ImmutableSortedSet.CreateBuilder<(long Version, long Index)>();
        foreach (var (subnet, version) in freed)
        {
            if (!config.Admits(subnet))
                continue;
            var index = SubnetAllocator.IndexOf(config, subnet);
            if (freedAt.TryGetValue(index, out var old))
                byAge.Remove((old, index));
            used.Add(index);
            freedAt[index] = version;
            byAge.Add((version, index));
        }
        foreach (var subnet in live)
        {
            if (!config.Admits(subnet))
                continue;
            var index = SubnetAllocator.IndexOf(config, subnet);
            if (freedAt.TryGetValue(index, out var version))
            {
                freedAt.Remove(index);
                byAge.Remove((version, index));
            }
            used.Add(index);
        }
        return new SubnetUsage(config, used.ToImmutable(), freedAt.ToImmutable(), byAge.ToImmutable());
    }

    /// <summary>The config whose subnets this index numbers.</summary>
    public NetworkConfig Config { get; }

    /// <summary>How many admitted subnets are live.</summary>
    public int LiveCount => _used.Count - _freedAt.Count;

    /// <summary>How many admitted subnets are remembered as freed.</summary>
    public int FreedCount => _freedAt.Count;

    /// <summary>SubnetMin..SubnetMax minus the live ones.</summary>
    public long FreeCount => Config.SubnetCount - LiveCount;

    /// <summary>The subnet became live (granted): it is used and no longer counts as freed.</summary>
    public SubnetUsage WithLive(Ipv4Subnet subnet)
    {
        if (!Config.Admits(subnet))
            return this;
        var index = SubnetAllocator.IndexOf(Config, subnet);
        var (freedAt, byAge) = (_freedAt, _freedByAge);
        if (freedAt.TryGetValue(index, out var version))
            (freedAt, byAge) = (freedAt.Remove(index), byAge.Remove((version, index)));
        return new SubnetUsage(Config, _used.Add(index), freedAt, byAge);
    }

    /// <summary>The subnet was freed at <paramref name="version"/>: still used (not "never used"),
    /// but free, and handed out only when nothing never-used is left, oldest first.</summary>
    public SubnetUsage WithFreed(Ipv4Subnet subnet, long version)
    {
        if (!Config.Admits(subnet))
            return this;
        var index = SubnetAllocator.IndexOf(Config, subnet);
        var (freedAt, byAge) = (_freedAt, _freedByAge);
        if (freedAt.TryGetValue(index, out var old))
            byAge = byAge.Remove((old, index));
        return new SubnetUsage(Config, _used.Add(index), freedAt.SetItem(index, version), byAge.Add((version, index)));
    }

    /// <summary>The subnet is no longer remembered as freed (and it is not live): it counts as never
    /// used again. No effect when it is live or not remembered.</summary>
    public SubnetUsage WithoutFreed(Ipv4Subnet subnet)
    {
        if (!Config.Admits(subnet))
            return this;
        var index = SubnetAllocator.IndexOf(Config, subnet);
        if (!_freedAt.TryGetValue(index, out var version))
            return this;
        return new SubnetUsage(Config, _used.Remove(index), _freedAt.Remove(index), _freedByAge.Remove((version, index)));
    }

    /// <summary>True when the admitted <paramref name="subnet"/> is recorded as live.</summary>
    public bool IsLive(Ipv4Subnet subnet)
    {
        if (!Config.Admits(subnet))
            return false;
        var index = SubnetAllocator.IndexOf(Config, subnet);
        return _used.Contains(index) && !_freedAt.ContainsKey(index);
    }

    /// <summary>
    /// The allocator's pick (see <see cref="SubnetAllocator"/>): the lowest never-used subnet, else
    /// the oldest freed one, else null. A candidate that overlaps any of <paramref name="blockers"/>
    /// (live subnets the config does not admit, sorted; empty in steady state) is skipped; each
    /// blocker costs at most one extra search.
    /// </summary>
    public Ipv4Subnet? Pick(IReadOnlyList<Ipv4Subnet> blockers)
    {
        ArgumentNullException.ThrowIfNull(blockers);
        var count = Config.SubnetCount;
        var start = 0L;
        while (start < count)
        {
            var gap = FirstGapFrom(start);
            if (gap >= count)
                break;
            var candidate = SubnetAllocator.SubnetAt(Config, gap);
            if (FirstOverlap(blockers, candidate) is not { } blocker)
                return candidate;
            // Every candidate up to the blocker's last address overlaps it; continue after it.
            start = Math.Max(gap + 1, SubnetAllocator.IndexAfter(Config, blocker.Last));
        }

        foreach (var (_, index) in _freedByAge)
        {
            var candidate = SubnetAllocator.SubnetAt(Config, index);
            if (FirstOverlap(blockers, candidate) is null)
                return candidate;
        }
        return null;
    }

    /// <summary>The lowest index &gt;= <paramref name="start"/> not in the used set (may be &gt;= SubnetCount).</summary>
    private long FirstGapFrom(long start)
    {
        var n = _used.Count;
        var found = _used.IndexOf(start);
        var p = found >= 0 ? found : ~found;
        if (p == n || _used[p] != start)
            return start;

        // _used[p..] holds distinct ascending indexes starting at start, so _used[j] - (j - p) never
        // decreases: binary-search the first j where it exceeds start (the first gap).
        if (_used[n - 1] == start + (n - 1 - p))
            return start + (n - p);
        int lo = p, hi = n - 1; // _used[lo] sits at its place, _used[hi] does not
        while (hi - lo > 1)
        {
            var mid = lo + (hi - lo) / 2;
            if (_used[mid] == start + (mid - p))
                lo = mid;
            else
                hi = mid;
        }
        return start + (hi - p);
    }

    private static Ipv4Subnet? FirstOverlap(IReadOnlyList<Ipv4Subnet> blockers, Ipv4Subnet candidate)
    {
        for (var i = 0; i < blockers.Count; i++)
        {
            if (blockers[i].Overlaps(candidate))
                return blockers[i];
        }
        return null;
    }
}
