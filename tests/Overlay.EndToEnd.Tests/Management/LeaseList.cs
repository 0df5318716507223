using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>GET /leases on the seed: the registry's version and every live lease.</summary>
public sealed record LeaseList
{
    /// <summary>The registry version.</summary>
    [JsonPropertyName("version")]
    public required long Version { get; init; }

    /// <summary>The live leases.</summary>
    [JsonPropertyName("leases")]
    public required IReadOnlyList<LeaseInfo> Leases { get; init; }
}
