using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;

namespace Overlay.Cluster.Tests;

/// <summary>Every remoted or persisted type goes through OverlaySerializer and survives a round trip;
/// strict mode refuses types nobody registered.</summary>
public sealed class OverlaySerializerSpec : Akka.TestKit.Xunit2.TestKit
{
    public OverlaySerializerSpec() : base(OverlaySerializationConfig.Hocon.WithFallback(ConfigurationFactory.Default()))
    {
    }

    public static TheoryData<int, string> SampleIndexes()
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var sample in Samples.All())
            data.Add(i++, sample.GetType().Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(SampleIndexes))]
    public void Every_contract_type_round_trips_through_the_overlay_serializer(int index, string typeName)
    {
        var sample = Samples.All().ElementAt(index);
        Assert.Equal(typeName, sample.GetType().Name);
        var serializer = Sys.Serialization.FindSerializerFor(sample);
        Assert.IsType<OverlaySerializer>(serializer);
        var bytes = serializer.ToBinary(sample);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, sample);
        var back = Sys.Serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.IsType(sample.GetType(), back);
        Assert.Equal(bytes, serializer.ToBinary(back));
        if (sample is not (LeaseSnapshot or RegistrySnapshot or PackedRegistrySnapshot or LeaseSnapshotPiece))
            Assert.Equal(sample, back); // records compare by value (the two with lists compare by bytes above)
    }

    [Fact]
    public void Every_supported_type_has_a_sample() =>
        Assert.Empty(OverlaySerializer.SupportedTypes.Except(Samples.All().Select(s => s.GetType())));

    [Fact]
    public void Manifests_are_unique_and_stable()
    {
        var serializer = new OverlaySerializer((ExtendedActorSystem)Sys);
        var manifests = Samples.All().GroupBy(s => s.GetType()).ToDictionary(g => g.Key, g => serializer.Manifest(g.First()));
        Assert.Equal(manifests.Count, manifests.Values.Distinct().Count());
        // Persisted manifests are in every journal: changing one breaks recovery.
        Assert.Equal("E-LG", manifests[typeof(LeaseGranted)]);
        Assert.Equal("E-LE", manifests[typeof(LeaseEnded)]);
        Assert.Equal("E-LR", manifests[typeof(LeaseRenewed)]);
        Assert.Equal("E-NC", manifests[typeof(NetworkConfigured)]);
        Assert.Equal("S-RS", manifests[typeof(RegistrySnapshot)]);
        Assert.Equal("S-RB", manifests[typeof(PackedRegistrySnapshot)]);
        // Remoted between versions of the view transfer.
        Assert.Equal("SN", manifests[typeof(LeaseSnapshot)]);
        Assert.Equal("SP", manifests[typeof(LeaseSnapshotPiece)]);
        Assert.Equal("GP", manifests[typeof(GetLeaseSnapshotPiece)]);
        Assert.Equal("GV", manifests[typeof(GetLeaseVersion)]);
    }

    [Fact]
    public void An_unknown_manifest_is_a_serialization_exception_so_remoting_drops_only_that_message()
    {
        var serializer = new OverlaySerializer((ExtendedActorSystem)Sys);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary([1, 2, 3], "ZZ"));
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.FromBinary("{\"Subnet\":\"10.1.1.1/24\"}"u8.ToArray(), "EL"));
    }

    [Fact]
    public void Strict_mode_refuses_an_unregistered_type()
    {
        Assert.ThrowsAny<Exception>(() => Sys.Serialization.FindSerializerFor(new NotRegistered(1)));
    }

    private sealed record NotRegistered(int Value);
}
