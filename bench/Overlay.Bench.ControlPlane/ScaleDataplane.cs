using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// The scale bench's recording <see cref="IDataplane"/>: moves no packets; records when the data
/// path was started (the node's acquire completed) and, per subnet, the first SetPeer, as raw
/// <see cref="Stopwatch.GetTimestamp"/> values comparable across the bench's processes.
/// </summary>
public sealed class ScaleDataplane : IDataplane
{
    private readonly ConcurrentDictionary<Ipv4Subnet, long> _installedAt = new();

    /// <summary>Timestamp of the first Start, 0 before.</summary>
    public long StartedAt { get; private set; }

    /// <summary>Routes installed so far.</summary>
    public int RouteCount => _installedAt.Count;

    /// <summary>When SetPeer was first called for <paramref name="subnet"/>, 0 when never.</summary>
    public long InstalledAt(Ipv4Subnet subnet) => _installedAt.TryGetValue(subnet, out var t) ? t : 0;

    /// <inheritdoc />
    public event Action<Exception>? Faulted
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    public void Start(Lease local, NetworkConfig network)
    {
        if (StartedAt == 0)
            StartedAt = Stopwatch.GetTimestamp();
    }

    /// <inheritdoc />
    public void Stop()
    {
    }

    /// <inheritdoc />
    public void SetPeer(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters) =>
        _installedAt.TryAdd(subnet, Stopwatch.GetTimestamp());

    /// <inheritdoc />
    public void RemovePeer(Ipv4Subnet subnet) => _installedAt.TryRemove(subnet, out _);
}
