using System.Text.Json.Serialization;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>One peer of GET /routes on a node, with its counters.</summary>
/// <remarks>A copy of <see cref="Overlay.Node.Management.PeerRouteJson"/> that only the fault harness's Recorder (Overlay.Faults.Tests)
/// still reads; the end-to-end tests read the server's own record. Delete it when the Recorder does too.</remarks>
public sealed record PeerRoute
{
    /// <summary>The peer's subnet.</summary>
    [JsonPropertyName("subnet")]
    public required string Subnet { get; init; }

    /// <summary>The peer's UDP endpoint, e.g. 192.0.2.12:8285.</summary>
    [JsonPropertyName("endpoint")]
    public required string Endpoint { get; init; }

    /// <summary>Datagrams sent to the peer.</summary>
    [JsonPropertyName("txPackets")]
    public required long TxPackets { get; init; }

    /// <summary>Bytes sent to the peer.</summary>
    [JsonPropertyName("txBytes")]
    public required long TxBytes { get; init; }

    /// <summary>Packets from the peer accepted and written into the TUN.</summary>
    [JsonPropertyName("rxPackets")]
    public required long RxPackets { get; init; }

    /// <summary>Bytes from the peer accepted.</summary>
    [JsonPropertyName("rxBytes")]
    public required long RxBytes { get; init; }
}
