using System.Net;
using CsCheck;
using Overlay.Actors.Addressing;

namespace Overlay.Actors.Tests;

/// <summary>KeyedSubnetIndex (the registry's by-node, by-IP and by-member indexes)
/// answers like a plain dictionary of sorted sets under any sequence of adds and removes, and
/// IpAddressOrder agrees with IPAddress.Equals.</summary>
public sealed class KeyedSubnetIndexTests
{
    private static readonly Gen<string> GenKey = Gen.Int[0, 12].Select(i => i == 12 ? "" : $"node-{i}");
    private static readonly Gen<Ipv4Subnet> GenSubnet = Gen.Int[0, 40].Select(i => new Ipv4Subnet(0x0AF40000u + ((uint)i << 8), 24));

    [Fact]
    public void Adds_and_removes_match_a_dictionary_of_sorted_sets() =>
        Gen.Select(Gen.Bool, GenKey, GenSubnet).List[0, 200].Sample(operations =>
        {
            var index = KeyedSubnetIndex<string>.Empty(StringComparer.Ordinal);
            var model = new Dictionary<string, SortedSet<Ipv4Subnet>>(StringComparer.Ordinal);
            var history = new List<(KeyedSubnetIndex<string> Index, Dictionary<string, Ipv4Subnet[]> Model)>();
            foreach (var (add, key, subnet) in operations)
            {
                if (!model.TryGetValue(key, out var set))
                    model[key] = set = [];
                if (add)
                    (index, _) = (index.Add(key, subnet), set.Add(subnet));
                else
                    (index, _) = (index.Remove(key, subnet), set.Remove(subnet));
                history.Add((index, model.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal)));
            }
            // Every intermediate index still answers as it did when it was made (immutability).
            foreach (var (snapshot, expected) in history)
            {
                Assert.Equal(expected.Values.Sum(s => s.Length), snapshot.Count);
                for (var k = 0; k <= 12; k++)
                {
                    var key = k == 12 ? "" : $"node-{k}";
                    Assert.Equal(expected.GetValueOrDefault(key) ?? [], snapshot.SubnetsOf(key).ToArray());
                }
            }
        }, iter: 200);

    [Fact]
    public void Create_equals_adding_one_by_one() =>
        Gen.Select(GenKey, GenSubnet).List[0, 300].Sample(entries =>
        {
            var bulk = KeyedSubnetIndex<string>.Create(entries, StringComparer.Ordinal);
            var folded = KeyedSubnetIndex<string>.Empty(StringComparer.Ordinal);
            foreach (var (key, subnet) in entries)
                folded = folded.Add(key, subnet);
            Assert.Equal(folded.Count, bulk.Count);
            foreach (var key in entries.Select(e => e.Item1).Distinct())
                Assert.Equal(folded.SubnetsOf(key), bulk.SubnetsOf(key));
        }, iter: 100);

    [Fact]
    public void Public_ip_keys_use_the_address_order()
    {
        var a = IPAddress.Parse("198.51.100.7");
        var index = KeyedSubnetIndex<IPAddress>.Empty(IpAddressOrder.Instance)
            .Add(IPAddress.Parse("198.51.100.7"), new Ipv4Subnet(0x0AF40200u, 24))
            .Add(IPAddress.Parse("198.51.100.7"), new Ipv4Subnet(0x0AF40100u, 24))
            .Add(IPAddress.Parse("198.51.100.8"), new Ipv4Subnet(0x0AF40300u, 24))
            .Add(IPAddress.Parse("::ffff:198.51.100.7"), new Ipv4Subnet(0x0AF40400u, 24));

        Assert.Equal([new Ipv4Subnet(0x0AF40100u, 24), new Ipv4Subnet(0x0AF40200u, 24)], index.SubnetsOf(a));
        Assert.Equal([new Ipv4Subnet(0x0AF40400u, 24)], index.SubnetsOf(IPAddress.Parse("::ffff:198.51.100.7")));
        Assert.Empty(index.SubnetsOf(IPAddress.Parse("198.51.100.9")));
    }

    [Fact]
    public void IpAddressOrder_is_zero_exactly_for_equal_addresses() =>
        Gen.Select(Gen.Bool, Gen.Byte.Array[4], Gen.Byte.Array[16], Gen.Bool, Gen.Byte.Array[4], Gen.Byte.Array[16])
            .Sample((v6a, a4, a6, v6b, b4, b6) =>
            {
                var a = new IPAddress(v6a ? a6 : a4);
                var b = new IPAddress(v6b ? b6 : b4);
                var order = IpAddressOrder.Instance;
                Assert.Equal(a.Equals(b), order.Compare(a, b) == 0);
                Assert.Equal(0, order.Compare(a, new IPAddress(a.GetAddressBytes())));
                Assert.Equal(Math.Sign(order.Compare(a, b)), -Math.Sign(order.Compare(b, a)));
            }, iter: 500);
}
