using Overlay.Actors.Configuration;

namespace Overlay.Actors.Addressing;

/// <summary>
/// Picks the subnet a new lease gets. The rule, in order: the lowest subnet of
/// SubnetMin..SubnetMax that was never used (not live and not remembered as freed); else the
/// remembered freed subnet with the oldest FreedAtVersion that is free; else none ("out of
/// subnets"). Freshly freed subnets go out last so that a route some peer still holds for the
/// old holder cannot misdeliver to a new one. Unlike flannel's random pick among the first 100
/// free subnets, the choice is deterministic, so replaying the journal reproduces it.
/// </summary>
/// <remarks>
/// Also the subnet index arithmetic: index = (subnet.Network - SubnetMin.Network) &gt;&gt; (32 - SubnetLen).
/// Pure and thread-safe. <see cref="Pick(NetworkConfig, IEnumerable{Ipv4Subnet}, IReadOnlyDictionary{Ipv4Subnet, long})"/>
/// builds a <see cref="SubnetUsage"/> first (O(n log n)); callers that allocate repeatedly keep a
/// <see cref="SubnetUsage"/> and call <see cref="SubnetUsage.Pick"/>, which costs O(log² n).
/// </remarks>
public static class SubnetAllocator
{
    /// <summary>
    /// The subnet to hand out next, or null when every subnet of SubnetMin..SubnetMax is live.
    /// </summary>
    /// <param name="config">The network config; only subnets it admits are candidates.</param>
    /// <param name="live">The subnets of live leases. Any that the config does not admit (possible
    /// only while a config change is being applied) still block every candidate they overlap.</param>
    /// <param name="freed">Recently freed subnets and the registry version that freed each; a
    /// subnet that is also live counts as live.</param>
    public static Ipv4Subnet? Pick(
        NetworkConfig config, IEnumerable<Ipv4Subnet> live, IReadOnlyDictionary<Ipv4Subnet, long> freed)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(freed);
        var liveList = live.ToList();
        var usage = SubnetUsage.Create(config, liveList, freed.Select(f => (f.Key, f.Value)));
        var foreign = liveList.Where(s => !config.Admits(s)).Distinct().Order().ToList();
        return usage.Pick(foreign);
    }

    /// <summary>The position of <paramref name="subnet"/> in SubnetMin..SubnetMax, 0-based.
    /// Throws <see cref="ArgumentOutOfRangeException"/> when the config does not admit it.</summary>
    public static long IndexOf(NetworkConfig config, Ipv4Subnet subnet)
    {
        if (!config.Admits(subnet))
            throw new ArgumentOutOfRangeException(nameof(subnet), subnet,
                $"{subnet} is not a subnet of {config.SubnetMin}..{config.SubnetMax}");
        return (long)(subnet.Network - config.SubnetMin.Network) >> (32 - config.SubnetLen);
    }

    /// <summary>The subnet at <paramref name="index"/> of SubnetMin..SubnetMax.</summary>
    public static Ipv4Subnet SubnetAt(NetworkConfig config, long index)
    {
        if (index < 0 || index >= config.SubnetCount)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"index must be 0..{config.SubnetCount - 1} for {config.SubnetMin}..{config.SubnetMax}");
        return new Ipv4Subnet(config.SubnetMin.Network + (uint)(index << (32 - config.SubnetLen)), config.SubnetLen);
    }

    /// <summary>The index of the first subnet that starts after <paramref name="address"/>;
    /// may be SubnetCount or more (nothing left).</summary>
    internal static long IndexAfter(NetworkConfig config, uint address) =>
        address < config.SubnetMin.Network
            ? 0
            : ((long)(address - config.SubnetMin.Network) >> (32 - config.SubnetLen)) + 1;
}
