using System.Text.Json;
using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>GET /cluster/members on both processes (Akka Management's shape).</summary>
/// <remarks>A copy of <see cref="Overlay.Hosting.Management.ClusterMembersResponse"/> that only the fault harness's Recorder (Overlay.Faults.Tests)
/// still reads; the end-to-end tests read the server's own record. Delete it when the Recorder does too.</remarks>
public sealed record ClusterMembers
{
    /// <summary>This process's cluster address.</summary>
    [JsonPropertyName("selfNode")]
    public required string SelfNode { get; init; }

    /// <summary>The leader's address.</summary>
    [JsonPropertyName("leader")]
    public string? Leader { get; init; }

    /// <summary>The oldest member's address (the singleton host).</summary>
    [JsonPropertyName("oldest")]
    public string? Oldest { get; init; }

    /// <summary>Every member this process sees.</summary>
    [JsonPropertyName("members")]
    public required IReadOnlyList<ClusterMember> Members { get; init; }

    /// <summary>Unreachable members (shape not asserted).</summary>
    [JsonPropertyName("unreachable")]
    public required IReadOnlyList<JsonElement> Unreachable { get; init; }
}
