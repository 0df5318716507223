using System.Net;
using System.Runtime.Serialization;
using Akka.Actor;
using CsCheck;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;
using static Overlay.Actors.Tests.RegistryTestKit;

namespace Overlay.Actors.Tests;

/// <summary>The packed snapshot encoding ("S-RB") through the overlay serializer: lossless, smaller
/// than JSON, and strict about malformed payloads.</summary>
public sealed class RegistrySnapshotCodecTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NetworkConfig Wide = NetworkConfigParser.Parse("""{"Network":"10.0.0.0/8","SubnetLen":24}""");

    // Gen.Int's bounds are inclusive; the last admitted index is SubnetCount - 1.
    private static readonly Gen<int> GenIndex = Gen.Int[0, (int)Wide.SubnetCount - 1];

    private OverlaySerializer Serializer => new((ExtendedActorSystem)Sys);

    private static readonly Gen<Lease> GenLease =
        from index in GenIndex
        from name in Gen.String[Gen.Char.AlphaNumeric, 0, 20]
        from v6 in Gen.Bool
        from ip in Gen.Byte.Array[v6 ? 16 : 4]
        from port in Gen.Int[1, 65_535]
        from ticks in Gen.Long[DateTimeOffset.MinValue.Ticks + TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.Ticks - TimeSpan.TicksPerDay]
        from offsetMinutes in Gen.Int[-14 * 60, 14 * 60]
        from version in Gen.Long[0, long.MaxValue]
        from member in Gen.String[Gen.Char.AlphaNumeric, 0, 40]
        select new Lease(SubnetAllocator.SubnetAt(Wide, index), name, new IPAddress(ip), port,
            new DateTimeOffset(ticks, TimeSpan.FromMinutes(offsetMinutes)), version, member);

    private static readonly Gen<RegistrySnapshot> GenSnapshot =
        from version in Gen.Long[0, long.MaxValue]
        from configured in Gen.Bool
        from leases in GenLease.List[0, 40]
        from freed in Gen.Select(GenIndex, Gen.Long).List[0, 20]
        select new RegistrySnapshot(version, configured ? Wide : null, configured ? leases : [],
            freed.Select(f => new FreedSubnet(SubnetAllocator.SubnetAt(Wide, f.Item1), f.Item2)).ToList());

    [Fact]
    public void Packed_snapshots_round_trip_losslessly() =>
        GenSnapshot.Sample(snapshot =>
        {
            var back = RoundTrip(new PackedRegistrySnapshot(snapshot)).Snapshot;
            Assert.Equal(snapshot.Version, back.Version);
            Assert.Equal(snapshot.Network, back.Network);
            Assert.Equal(snapshot.Leases, back.Leases);
            Assert.Equal(snapshot.Freed, back.Freed);
            // DateTimeOffset equality ignores the offset; the encoding keeps it too.
            Assert.Equal(snapshot.Leases.Select(l => l.ExpiresAt.Offset), back.Leases.Select(l => l.ExpiresAt.Offset));
        }, iter: 200);

    [Fact]
    public void Packed_and_json_snapshots_decode_to_the_same_state_and_packed_is_smaller()
    {
        var state = Configured(Wide);
        for (var i = 0; i < 300; i++)
            (state, _) = state.Run(Acquire($"host-{i}", $"198.51.100.{1 + i % 250}", member: $"akka.tcp://overlay@192.0.2.{i % 250}:4054"));
        var snapshot = state.ToSnapshot();
        var json = Serializer.ToBinary(snapshot);
        var packed = Serializer.ToBinary(new PackedRegistrySnapshot(snapshot));

        var fromJson = (RegistrySnapshot)Serializer.FromBinary(json, "S-RS");
        var fromPacked = ((PackedRegistrySnapshot)Serializer.FromBinary(packed, "S-RB")).Snapshot;
        Assert.Equal(fromJson.Leases, fromPacked.Leases);
        Assert.Equal(fromJson.Freed, fromPacked.Freed);
        Assert.Equal(fromJson.Network, fromPacked.Network);
        Assert.True(packed.Length * 2 < json.Length, $"packed {packed.Length} bytes vs JSON {json.Length} bytes");
    }

    [Fact]
    public void A_truncated_packed_snapshot_is_a_serialization_exception_naming_the_codec()
    {
        var snapshot = new RegistrySnapshot(3, Wide, [new Lease(S("10.0.1.0/24"), "a", Ip("192.0.2.1"), 8285, T0, 2, "")], []);
        var bytes = Serializer.ToBinary(new PackedRegistrySnapshot(snapshot));
        for (var length = 0; length < bytes.Length; length++)
        {
            var ex = Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes[..length], "S-RB"));
            Assert.Contains("RegistrySnapshotCodec", ex.Message);
        }
        Assert.Contains("trailing bytes",
            Assert.Throws<SerializationException>(() => Serializer.FromBinary([.. bytes, 0], "S-RB")).Message);
    }

    [Fact]
    public void An_unknown_packed_format_is_refused()
    {
        var bytes = Serializer.ToBinary(new PackedRegistrySnapshot(new RegistrySnapshot(0, null, [], [])));
        bytes[0] = 99;
        Assert.Equal("RegistrySnapshotCodec: unknown snapshot format 99",
            Assert.Throws<SerializationException>(() => Serializer.FromBinary(bytes, "S-RB")).Message);
    }

    private PackedRegistrySnapshot RoundTrip(PackedRegistrySnapshot packed) =>
        (PackedRegistrySnapshot)Serializer.FromBinary(Serializer.ToBinary(packed), Serializer.Manifest(packed));
}
