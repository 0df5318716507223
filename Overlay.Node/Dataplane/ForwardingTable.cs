using System.Collections.Immutable;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Node;
using static Overlay.Node.Dataplane.DataplaneConstants;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The immutable map from overlay address to peer that both pumps read. Lookup is O(1): the slot
/// index is (address - Network) &gt;&gt; (32 - SubnetLen), split into a page and a slot within it;
/// pages are shared between versions and copied on write, so <see cref="With"/> and
/// <see cref="Without"/> cost one page plus the page directory. Thread-safety: immutable, so any
/// number of threads may read one instance while the control plane builds the next.
/// </summary>
public sealed class ForwardingTable
{
    private const int PageSize = 1 << ForwardingPageBits;
    private const int PageMask = PageSize - 1;
    private static readonly ForwardingEntry?[] EmptyPage = new ForwardingEntry?[PageSize];

    private readonly ForwardingEntry?[][] _pages;
    private readonly int _shift;
    private readonly uint _networkMask;
    private readonly ImmutableSortedDictionary<Ipv4Subnet, ForwardingEntry> _entries;

    private ForwardingTable(Ipv4Subnet network, int subnetLen, ForwardingEntry?[][] pages,
        ImmutableSortedDictionary<Ipv4Subnet, ForwardingEntry> entries)
    {
        Network = network;
        SubnetLen = subnetLen;
        _pages = pages;
        _shift = 32 - subnetLen;
        _networkMask = network.Mask;
        _entries = entries;
    }

    /// <summary>The overlay network the table covers.</summary>
    public Ipv4Subnet Network { get; }

    /// <summary>The prefix length of every peer subnet.</summary>
    public int SubnetLen { get; }

    /// <summary>The routes, ordered by subnet.</summary>
    public IEnumerable<ForwardingEntry> Entries => _entries.Values;

    /// <summary>How many peers the table routes to.</summary>
    public int Count => _entries.Count;

    /// <summary>An empty table for <paramref name="network"/> cut into /<paramref name="subnetLen"/> subnets.
    /// Throws when the lengths are inconsistent or the network has more than 2^24 subnets.</summary>
    public static ForwardingTable Empty(Ipv4Subnet network, int subnetLen)
    {
        if (subnetLen < network.PrefixLength || subnetLen > 32)
            throw new ArgumentOutOfRangeException(nameof(subnetLen), subnetLen,
                $"SubnetLen must be between the network's prefix length and 32 for network {network}");
        var indexBits = subnetLen - network.PrefixLength;
        if (indexBits > MaxSubnetIndexBits)
            throw new ArgumentOutOfRangeException(nameof(subnetLen), subnetLen,
                $"network {network} cut into /{subnetLen} has 2^{indexBits} subnets; at most 2^{MaxSubnetIndexBits} are supported");
        var pageCount = Math.Max(1, (1 << indexBits) >> ForwardingPageBits);
        var pages = new ForwardingEntry?[pageCount][];
        Array.Fill(pages, EmptyPage);
        return new ForwardingTable(network, subnetLen, pages,
            ImmutableSortedDictionary<Ipv4Subnet, ForwardingEntry>.Empty);
    }

    /// <summary>An empty table for <paramref name="config"/>'s Network and SubnetLen.</summary>
    public static ForwardingTable Empty(NetworkConfig config) => Empty(config.Network, config.SubnetLen);

    /// <summary>
    /// The peer whose subnet contains <paramref name="address"/> (host order), or null when the
    /// address is outside the network or no peer owns it. Used with the inner destination on the
    /// TUN side and with the inner source on the UDP side (anti-spoofing). Allocation-free.
    /// </summary>
    public ForwardingEntry? Lookup(uint address)
    {
        if ((address & _networkMask) != Network.Network)
            return null;
        // C# masks a uint shift count to 5 bits, so a /0 SubnetLen (one slot) needs its own case;
        // the index is below 2^24, so the cast is exact.
        var index = _shift == 32 ? 0 : (int)((address - Network.Network) >> _shift);
        return _pages[index >> ForwardingPageBits][index & PageMask];
    }

    /// <summary>The peer that owns inner source <paramref name="source"/>; the same lookup as
    /// <see cref="Lookup"/>, named for the anti-spoofing check.</summary>
    public ForwardingEntry? LookupSource(uint source) => Lookup(source);

    /// <summary>A table that routes <paramref name="subnet"/> to <paramref name="endpoint"/>,
    /// replacing an earlier route for it. Throws when the subnet is not a /SubnetLen inside the network.</summary>
    public ForwardingTable With(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters) =>
        With(new ForwardingEntry(subnet, endpoint, counters));

    /// <summary>A table with <paramref name="entry"/> added or replacing the route for its subnet.</summary>
    public ForwardingTable With(ForwardingEntry entry)
    {
        var index = IndexOf(entry.Subnet);
        return new ForwardingTable(Network, SubnetLen, CopyWithSlot(index, entry), _entries.SetItem(entry.Subnet, entry));
    }

    /// <summary>A table without a route for <paramref name="subnet"/>; this table itself when it has none.</summary>
    public ForwardingTable Without(Ipv4Subnet subnet)
    {
        if (!_entries.ContainsKey(subnet))
            return this;
        return new ForwardingTable(Network, SubnetLen, CopyWithSlot(IndexOf(subnet), null), _entries.Remove(subnet));
    }

    /// <summary>True when <paramref name="subnet"/> can be routed by this table (a /SubnetLen in the network).</summary>
    public bool Fits(Ipv4Subnet subnet) => subnet.PrefixLength == SubnetLen && Network.Contains(subnet);

    private int IndexOf(Ipv4Subnet subnet)
    {
        if (!Fits(subnet))
            throw new ArgumentException(
                $"subnet {subnet} is not a /{SubnetLen} inside network {Network}", nameof(subnet));
        return _shift == 32 ? 0 : (int)((subnet.Network - Network.Network) >> _shift);
    }

    private ForwardingEntry?[][] CopyWithSlot(int index, ForwardingEntry? entry)
    {
        var pages = (ForwardingEntry?[][])_pages.Clone();
        var page = (ForwardingEntry?[])pages[index >> ForwardingPageBits].Clone();
        page[index & PageMask] = entry;
        pages[index >> ForwardingPageBits] = page;
        return pages;
    }
}
