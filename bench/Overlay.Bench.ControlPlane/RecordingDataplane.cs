using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// An <see cref="IDataplane"/> that moves no packets and records, per subnet, the first time
/// SetPeer was called for it, in ticks of a <see cref="Stopwatch"/> shared by all nodes of the run.
/// Thread-safe: the node's actors write, the bench thread reads.
/// </summary>
public sealed class RecordingDataplane(Stopwatch clock) : IDataplane
{
    private readonly ConcurrentDictionary<Ipv4Subnet, long> _installedAt = new();

    /// <summary>The lease this node's data path was started for, or null.</summary>
    public Lease? Local { get; private set; }

    /// <summary>Routes installed so far.</summary>
    public int RouteCount => _installedAt.Count;

    /// <summary>When SetPeer was first called for <paramref name="subnet"/> (shared-stopwatch ticks).</summary>
    public bool TryGetInstalledAt(Ipv4Subnet subnet, out long ticks) => _installedAt.TryGetValue(subnet, out ticks);

    /// <inheritdoc />
    public event Action<Exception>? Faulted
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    public void Start(Lease local, NetworkConfig network) => Local = local;

    /// <inheritdoc />
    public void Stop()
    {
    }

    /// <inheritdoc />
    public void SetPeer(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters) =>
        _installedAt.TryAdd(subnet, clock.ElapsedTicks);

    /// <inheritdoc />
    public void RemovePeer(Ipv4Subnet subnet) => _installedAt.TryRemove(subnet, out _);
}
