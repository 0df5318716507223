using System.Collections.Immutable;

namespace Overlay.Actors.Addressing;

/// <summary>
/// An immutable multimap from a key (a node name, a public IP, a member address) to the subnets
/// indexed under it, ascending. Stored as one sorted set of (key, subnet) entries: one tree node
/// per entry, where a hash map of per-key sets cost a hash node, a set and its node per key. That
/// made building the registry's three such indexes for 65,536 leases at recovery allocate ~40 MB
/// (measured by bench/control-plane.sh); this costs ~4 MB per index and builds in one sorted pass.
/// </summary>
/// <remarks>Add and Remove cost O(log n) and share structure with this index; lookups cost
/// O(log n) plus O(log n) per subnet returned. Immutable, hence thread-safe.</remarks>
/// <typeparam name="TKey">The key type; <see cref="Comparer"/> orders it.</typeparam>
public sealed class KeyedSubnetIndex<TKey> where TKey : notnull
{
    private readonly ImmutableSortedSet<(TKey Key, Ipv4Subnet Subnet)> _entries;

    private KeyedSubnetIndex(ImmutableSortedSet<(TKey Key, Ipv4Subnet Subnet)> entries, IComparer<TKey> comparer)
    {
        _entries = entries;
        Comparer = comparer;
    }

    /// <summary>An empty index whose keys <paramref name="comparer"/> orders (equal means same key).</summary>
    public static KeyedSubnetIndex<TKey> Empty(IComparer<TKey> comparer)
    {
        ArgumentNullException.ThrowIfNull(comparer);
        return new KeyedSubnetIndex<TKey>(ImmutableSortedSet<(TKey Key, Ipv4Subnet Subnet)>.Empty.WithComparer(new EntryComparer(comparer)), comparer);
    }

    /// <summary>An index of <paramref name="entries"/> (duplicates count once). Built bottom-up from
    /// one sort of the entries (ImmutableSortedSet.CreateRange), which is several times cheaper than
    /// inserting them one by one into a builder.</summary>
    public static KeyedSubnetIndex<TKey> Create(IEnumerable<(TKey Key, Ipv4Subnet Subnet)> entries, IComparer<TKey> comparer)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(comparer);
        return new KeyedSubnetIndex<TKey>(ImmutableSortedSet.CreateRange(new EntryComparer(comparer), entries), comparer);
    }

    /// <summary>The key order.</summary>
    public IComparer<TKey> Comparer { get; }

    /// <summary>How many (key, subnet) entries the index holds.</summary>
    public int Count => _entries.Count;

    /// <summary>The index with (key, subnet) added (no change when present).</summary>
    public KeyedSubnetIndex<TKey> Add(TKey key, Ipv4Subnet subnet) => With(_entries.Add((key, subnet)));

    /// <summary>The index without (key, subnet) (no change when absent).</summary>
    public KeyedSubnetIndex<TKey> Remove(TKey key, Ipv4Subnet subnet) => With(_entries.Remove((key, subnet)));

    /// <summary>The subnets indexed under <paramref name="key"/>, ascending; empty when none.</summary>
    public IEnumerable<Ipv4Subnet> SubnetsOf(TKey key)
    {
        // default(Ipv4Subnet) is 0.0.0.0/0, the lowest subnet: the search lands on the key's first entry.
        var i = _entries.IndexOf((key, default));
        for (i = i >= 0 ? i : ~i; i < _entries.Count; i++)
        {
            var entry = _entries[i];
            if (Comparer.Compare(entry.Key, key) != 0)
                yield break;
            yield return entry.Subnet;
        }
    }

    private KeyedSubnetIndex<TKey> With(ImmutableSortedSet<(TKey Key, Ipv4Subnet Subnet)> entries) =>
        ReferenceEquals(entries, _entries) ? this : new KeyedSubnetIndex<TKey>(entries, Comparer);

    /// <summary>Orders entries by key, then subnet.</summary>
    private sealed class EntryComparer(IComparer<TKey> keys) : IComparer<(TKey Key, Ipv4Subnet Subnet)>
    {
        public int Compare((TKey Key, Ipv4Subnet Subnet) x, (TKey Key, Ipv4Subnet Subnet) y)
        {
            var byKey = keys.Compare(x.Key, y.Key);
            return byKey != 0 ? byKey : x.Subnet.CompareTo(y.Subnet);
        }
    }
}
