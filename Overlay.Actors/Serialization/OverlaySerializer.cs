using System.Net;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;

namespace Overlay.Actors.Serialization;

/// <summary>
/// The one serializer for every remoted or persisted Overlay type (everything that implements
/// <see cref="IOverlayMessage"/>). Payloads are JSON; the manifest names the type.
/// Manifests are a compatibility contract with journals already written and with other versions
/// in the cluster: never reuse or rename one; a changed shape gets a new manifest.
/// </summary>
public sealed class OverlaySerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>Registered serializer id (ids 0..100 are Akka's own).</summary>
    public const int SerializerId = 2701;

    private static readonly IReadOnlyDictionary<Type, string> ManifestByType = new Dictionary<Type, string>
    {
        // commands
        [typeof(ConfigureNetwork)] = "CN",
        [typeof(AcquireLease)] = "AL",
        [typeof(RenewLease)] = "RL",
        [typeof(ReleaseLease)] = "XL",
        [typeof(EvictLease)] = "EL",
        [typeof(GetLeaseSnapshot)] = "GS",
        // view transfer in pieces and version probe
        [typeof(GetLeaseSnapshotPiece)] = "GP",
        [typeof(GetLeaseVersion)] = "GV",
        // replies
        [typeof(LeaseAcquired)] = "LA",
        [typeof(LeaseRenewalSucceeded)] = "LR",
        [typeof(LeaseRemovalSucceeded)] = "LX",
        [typeof(LeaseRequestRejected)] = "LJ",
        [typeof(LeaseNotFound)] = "LN",
        [typeof(LeaseSnapshot)] = "SN",
        // view transfer replies; "SP" is binary (LeaseSnapshotPieceCodec)
        [typeof(LeaseSnapshotPiece)] = "SP",
        [typeof(LeaseSnapshotUnavailable)] = "SU",
        [typeof(LeaseVersionIs)] = "VI",
        // events (persisted: these manifests are in every journal)
        [typeof(NetworkConfigured)] = "E-NC",
        [typeof(LeaseGranted)] = "E-LG",
        [typeof(LeaseRenewed)] = "E-LR",
        [typeof(LeaseEnded)] = "E-LE",
        // snapshot store
        [typeof(RegistrySnapshot)] = "S-RS",
        // snapshot store, binary (RegistrySnapshotCodec); what the registry writes now ("S-RS" is only read)
        [typeof(PackedRegistrySnapshot)] = "S-RB",
        // identity, authorisation, config drift
        [typeof(ApplyNetworkConfig)] = "AN",
        [typeof(LeaseRefused)] = "LF",
        [typeof(NetworkConfigDrifted)] = "ND",
    };

    private static readonly IReadOnlyDictionary<string, Type> TypeByManifest =
        ManifestByType.ToDictionary(kv => kv.Value, kv => kv.Key);

    private static readonly JsonSerializerOptions Options = new()
    {
        // LeaseEndReasonConverter before the general enum converter: the first that can convert a type wins.
        Converters = { new Ipv4SubnetConverter(), new IpAddressConverter(), new LeaseEndReasonConverter(), new JsonStringEnumConverter() },
    };

    /// <summary>Every type this serializer handles, for registration and round-trip tests.</summary>
    public static IEnumerable<Type> SupportedTypes => ManifestByType.Keys;

    /// <inheritdoc />
    public override int Identifier => SerializerId;

    /// <inheritdoc />
    public override string Manifest(object o) =>
        ManifestByType.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"OverlaySerializer has no manifest for {o.GetType().FullName}");

    /// <inheritdoc />
    public override byte[] ToBinary(object obj)
    {
        Manifest(obj); // throws for types without a manifest
        if (obj is PackedRegistrySnapshot packed)
            return RegistrySnapshotCodec.Write(packed, Options);
        if (obj is LeaseSnapshotPiece piece)
            return LeaseSnapshotPieceCodec.Write(piece, Options);
        return JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Options);
    }

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest)
    {
        // SerializationException makes remoting drop the message instead of tearing down the link.
        if (!TypeByManifest.TryGetValue(manifest, out var type))
            throw new SerializationException($"OverlaySerializer: unknown manifest '{manifest}'");
        if (type == typeof(GetLeaseSnapshot))
            return GetLeaseSnapshot.Instance;
        if (type == typeof(PackedRegistrySnapshot))
            return RegistrySnapshotCodec.Read(bytes, Options);
        if (type == typeof(LeaseSnapshotPiece))
            return LeaseSnapshotPieceCodec.Read(bytes, Options);
        try
        {
            return JsonSerializer.Deserialize(bytes, type, Options)
                   ?? throw new SerializationException($"OverlaySerializer: null payload for manifest '{manifest}'");
        }
        catch (JsonException ex)
        {
            throw new SerializationException($"OverlaySerializer: bad payload for manifest '{manifest}': {ex.Message}", ex);
        }
    }

    private sealed class Ipv4SubnetConverter : JsonConverter<Ipv4Subnet>
    {
        public override Ipv4Subnet Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Ipv4Subnet.TryParse(reader.GetString(), out var subnet)
                ? subnet
                : throw new JsonException($"not an IPv4 subnet: '{reader.GetString()}'");

        public override void Write(Utf8JsonWriter writer, Ipv4Subnet value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }

    private sealed class IpAddressConverter : JsonConverter<IPAddress>
    {
        public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            IPAddress.TryParse(reader.GetString(), out var address)
                ? address
                : throw new JsonException($"not an IP address: '{reader.GetString()}'");

        public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
