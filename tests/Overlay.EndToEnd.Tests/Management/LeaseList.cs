using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>GET /leases on the seed: the registry's version and every live lease.</summary>
/// <remarks>A copy of <see cref="Overlay.Hosting.Management.LeasesJson"/> that only the fault harness's Recorder (Overlay.Faults.Tests)
/// still reads; the end-to-end tests read the server's own record. Delete it when the Recorder does too.</remarks>
public sealed record LeaseList
{
    /// <summary>The registry version.</summary>
    [JsonPropertyName("version")]
    public required long Version { get; init; }

    /// <summary>The live leases.</summary>
    [JsonPropertyName("leases")]
    public required IReadOnlyList<LeaseInfo> Leases { get; init; }
}
