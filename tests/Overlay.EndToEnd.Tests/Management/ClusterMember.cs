using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>One entry of <see cref="ClusterMembers.Members"/>.</summary>
/// <remarks>A copy of <see cref="Overlay.Hosting.Management.ClusterMemberResponse"/> that only the fault harness's Recorder (Overlay.Faults.Tests)
/// still reads; the end-to-end tests read the server's own record. Delete it when the Recorder does too.</remarks>
public sealed record ClusterMember
{
    /// <summary>The member's address, e.g. akka.tcp://overlay@192.0.2.11:4054.</summary>
    [JsonPropertyName("node")]
    public required string Node { get; init; }

    /// <summary>The member's incarnation uid.</summary>
    [JsonPropertyName("nodeUid")]
    public string? NodeUid { get; init; }

    /// <summary>Member status: Joining, Up, Leaving, Exiting, Down, Removed.</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    /// <summary>The member's roles.</summary>
    [JsonPropertyName("roles")]
    public IReadOnlyList<string> Roles { get; init; } = [];
}
