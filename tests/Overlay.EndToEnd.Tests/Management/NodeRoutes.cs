using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>GET /routes on a node: its own subnet, its peers, and its drop counters by reason.</summary>
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

    /// <summary>The sum over every drop reason.</summary>
    public long TotalDrops => Drops.Values.Sum();

    /// <summary>The sum of rxPackets over every peer: what the node accepted into its TUN.</summary>
    public long TotalRxPackets => Peers.Sum(p => p.RxPackets);

    /// <summary>The peers' subnets, for messages.</summary>
    public string Describe() => $"local {Local}, peers [{string.Join(", ", Peers.Select(p => $"{p.Subnet} via {p.Endpoint}"))}]";
}
