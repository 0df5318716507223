using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>One lease as GET /leases (seed) and GET /lease (node) show it.</summary>
/// <remarks>A copy of <see cref="Overlay.Hosting.Management.LeaseJson"/> that only the fault harness's Recorder (Overlay.Faults.Tests)
/// still reads; the end-to-end tests read the server's own record. Delete it when the Recorder does too.</remarks>
public sealed record LeaseInfo
{
    /// <summary>The leased subnet, e.g. 10.244.1.0/24.</summary>
    [JsonPropertyName("subnet")]
    public required string Subnet { get; init; }

    /// <summary>The holder's node name.</summary>
    [JsonPropertyName("nodeName")]
    public required string NodeName { get; init; }

    /// <summary>The holder's underlay address.</summary>
    [JsonPropertyName("publicIp")]
    public required string PublicIp { get; init; }

    /// <summary>The holder's UDP port.</summary>
    [JsonPropertyName("port")]
    public required int Port { get; init; }

    /// <summary>Expiry, as the process prints it.</summary>
    [JsonPropertyName("expiresAt")]
    public required string ExpiresAt { get; init; }

    /// <summary>The registry version of the lease's last change.</summary>
    [JsonPropertyName("version")]
    public required long Version { get; init; }

    /// <summary>The holder's cluster address (seed's /leases; empty when unknown, absent on a node's /lease).</summary>
    [JsonPropertyName("memberAddress")]
    public string? MemberAddress { get; init; }
}
