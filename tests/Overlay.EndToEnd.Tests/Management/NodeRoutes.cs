using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>GET /routes on a node: its own subnet, its peers, and its drop counters by reason.</summary>
/// <remarks>A copy of <see cref="Overlay.Node.Management.RoutesJson"/> that only the fault harness's Recorder (Overlay.Faults.Tests)
/// still reads; the end-to-end tests read the server's own record. Delete it when the Recorder does too.</remarks>
public sealed record NodeRoutes
{
    /// <summary>This node's subnet.</summary>
    [JsonPropertyName("local")]
    public required string Local { get; init; }

    /// <summary>One entry per peer lease.</summary>
    [JsonPropertyName("peers")]
    public required IReadOnlyList<PeerRoute> Peers { get; init; }

    /// <summary>Dropped packets by reason (malformed, not_ipv4, spoofed_source, ...).</summary>
    [JsonPropertyName("drops")]
    public required IReadOnlyDictionary<string, long> Drops { get; init; }
}
