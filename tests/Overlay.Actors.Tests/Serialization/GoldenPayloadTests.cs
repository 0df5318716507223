using System.Net;
using System.Text;
using Akka.Actor;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Serialization;

namespace Overlay.Actors.Tests.Serialization;

/// <summary>
/// The persisted formats, pinned: one checked-in payload per persisted manifest (Golden/&lt;manifest&gt;.json,
/// or .b64 for the binary "S-RB"), written by the serializer of the day they were added. Each must
/// still decode to the exact value below and encode back to the same bytes. A failure here means
/// journals or snapshots already on disk would no longer recover (or would be rewritten
/// differently): give the changed shape a new manifest instead of editing a file here.
/// </summary>
public sealed class GoldenPayloadTests : Akka.TestKit.Xunit2.TestKit
{
    private static readonly NetworkConfig Network = new(Ipv4Subnet.Parse("10.244.0.0/16"), 24,
        Ipv4Subnet.Parse("10.244.1.0/24"), Ipv4Subnet.Parse("10.244.255.0/24"), new BackendConfig("udp", 8285));

    private static readonly Lease Lease = new(Ipv4Subnet.Parse("10.244.7.0/24"), "host-7", IPAddress.Parse("192.0.2.17"),
        8300, new DateTimeOffset(2026, 11, 27, 8, 30, 0, TimeSpan.Zero), 42, "akka.tcp://overlay@192.0.2.17:4054");

    // A second lease with a non-UTC expiry offset and an IPv6 public address: the snapshot codec
    // writes both explicitly.
    private static readonly Lease OtherLease = new(Ipv4Subnet.Parse("10.244.8.0/24"), "host-8", IPAddress.Parse("2001:db8::8"),
        8285, new DateTimeOffset(2026, 11, 27, 9, 45, 30, TimeSpan.FromHours(1)), 43, "");

    private static readonly RegistrySnapshot Snapshot = new(45, Network, [Lease, OtherLease],
        [new FreedSubnet(Ipv4Subnet.Parse("10.244.9.0/24"), 30)]);

    /// <summary>Every persisted manifest and the value its golden payload holds.</summary>
    public static TheoryData<string> Manifests() => new("E-NC", "E-LG", "E-LR", "E-LE", "S-RS", "S-RB");

    private static object Expected(string manifest) => manifest switch
    {
        "E-NC" => new NetworkConfigured(Network, 1),
        "E-LG" => new LeaseGranted(Lease),
        "E-LR" => new LeaseRenewed(Lease.Subnet, new DateTimeOffset(2026, 11, 28, 8, 30, 0, TimeSpan.Zero), 44),
        "E-LE" => new LeaseEnded(Lease.Subnet, LeaseEndReason.MemberRemoved, 46),
        "S-RS" => Snapshot,
        "S-RB" => new PackedRegistrySnapshot(Snapshot),
        _ => throw new ArgumentOutOfRangeException(nameof(manifest), manifest, "no golden value"),
    };

    private OverlaySerializer Serializer => new((ExtendedActorSystem)Sys);

    [Theory]
    [MemberData(nameof(Manifests))]
    public void A_golden_payload_decodes_to_its_value(string manifest)
    {
        var decoded = Serializer.FromBinary(Golden(manifest), manifest);
        AssertSameValue(Expected(manifest), decoded);
    }

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Today_the_value_encodes_to_the_golden_bytes(string manifest)
    {
        var expected = Expected(manifest);
        Assert.Equal(manifest, Serializer.Manifest(expected));
        var bytes = Serializer.ToBinary(expected);
        Assert.True(Golden(manifest).AsSpan().SequenceEqual(bytes),
            $"{manifest} now encodes as {Show(manifest, bytes)}\nbut the golden payload is {Show(manifest, Golden(manifest))}");
    }

    [Fact]
    public void Every_lease_end_reason_has_its_pinned_persisted_name_whatever_the_member_is_called()
    {
        // The table, written out: these strings are in journals. Renaming an enum member must not change them.
        var pinned = new Dictionary<int, string>
        {
            [1] = "Released", [2] = "Expired", [3] = "MemberRemoved", [4] = "Evicted", [5] = "Incompatible",
        };
        Assert.Equal(pinned.Keys.Order(), Enum.GetValues<LeaseEndReason>().Select(r => (int)r).Order());
        foreach (var (code, name) in pinned)
        {
            var ended = new LeaseEnded(Lease.Subnet, (LeaseEndReason)code, 46);
            var json = Encoding.UTF8.GetString(Serializer.ToBinary(ended));
            Assert.Contains($"\"Reason\":\"{name}\"", json);
            Assert.Equal(ended, Serializer.FromBinary(Encoding.UTF8.GetBytes(json), "E-LE"));
            // The numeric code reads as the same reason.
            var numeric = json.Replace($"\"{name}\"", code.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(ended, Serializer.FromBinary(Encoding.UTF8.GetBytes(numeric), "E-LE"));
        }
    }

    [Theory]
    [InlineData("\"Reason\":\"Banished\"", "not a persisted LeaseEndReason: 'Banished'")]
    [InlineData("\"Reason\":\"evicted\"", "not a persisted LeaseEndReason: 'evicted'")]
    [InlineData("\"Reason\":9", "not a persisted LeaseEndReason: 9")]
    public void An_unknown_lease_end_reason_is_a_serialization_error_naming_it(string reason, string message)
    {
        var json = $"{{\"Subnet\":\"10.244.7.0/24\",{reason},\"Version\":46}}";
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(
            () => Serializer.FromBinary(Encoding.UTF8.GetBytes(json), "E-LE"));
        Assert.Contains(message, error.Message);
    }

    private static void AssertSameValue(object expected, object actual)
    {
        Assert.IsType(expected.GetType(), actual);
        switch (expected)
        {
            case RegistrySnapshot snapshot:
                AssertSameSnapshot(snapshot, (RegistrySnapshot)actual);
                break;
            case PackedRegistrySnapshot packed:
                AssertSameSnapshot(packed.Snapshot, ((PackedRegistrySnapshot)actual).Snapshot);
                break;
            default:
                Assert.Equal(expected, actual); // records compare by value
                break;
        }
    }

    private static void AssertSameSnapshot(RegistrySnapshot expected, RegistrySnapshot actual)
    {
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Network, actual.Network);
        Assert.Equal(expected.Leases, actual.Leases);
        Assert.Equal(expected.Freed, actual.Freed);
        // DateTimeOffset equality ignores the offset; the persisted one must survive too.
        Assert.Equal(expected.Leases.Select(l => l.ExpiresAt.Offset), actual.Leases.Select(l => l.ExpiresAt.Offset));
    }

    private static byte[] Golden(string manifest)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "Serialization", "Golden");
        var json = Path.Combine(directory, manifest + ".json");
        if (File.Exists(json))
            return File.ReadAllBytes(json);
        var base64 = Path.Combine(directory, manifest + ".b64");
        return File.Exists(base64)
            ? Convert.FromBase64String(File.ReadAllText(base64).Trim())
            : throw new FileNotFoundException($"no golden payload for manifest {manifest} in {directory}");
    }

    private static string Show(string manifest, byte[] bytes) =>
        manifest == "S-RB" ? Convert.ToBase64String(bytes) : Encoding.UTF8.GetString(bytes);
}
