using System.Collections.Concurrent;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;

namespace Overlay.Actors.Tests.Node;

/// <summary>An IDataplane that records every call, for node-actor specs. Thread-safe.</summary>
internal sealed class RecordingDataplane : IDataplane
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentDictionary<Ipv4Subnet, IPEndPoint> Peers { get; } = new();

    private readonly ConcurrentDictionary<Ipv4Subnet, PeerCounters> _counters = new();
    private volatile Lease? _running;

    /// <summary>The counters each route was last set with.</summary>
    public PeerCounters CountersOf(Ipv4Subnet subnet) => _counters[subnet];

    public Ipv4Subnet? ServedSubnet => _running?.Subnet;

    public IReadOnlyList<InstalledRoute> InstalledRoutes() =>
        Peers.Select(p => new InstalledRoute(p.Key, p.Value, _counters[p.Key])).ToList();

    /// <summary>Routes left by an earlier incarnation and a running session, as a fresh node actor finds them.</summary>
    public void Preload(Lease running, params (Ipv4Subnet Subnet, IPEndPoint Endpoint)[] routes)
    {
        _running = running;
        foreach (var (subnet, endpoint) in routes)
        {
            Peers[subnet] = endpoint;
            _counters[subnet] = new PeerCounters();
        }
    }

    public int Starts => Calls.Count(c => c.StartsWith("start ", StringComparison.Ordinal));

    public bool FailNextStart { get; set; }

    /// <summary>The lease of the last successful <see cref="Start"/>.</summary>
    public Lease? Started { get; private set; }

    public event Action<Exception>? Faulted;

    public void Withdraw(string reason) => Calls.Enqueue("withdraw " + _running?.Subnet + ": " + reason);

    public void Start(Lease local, NetworkConfig network)
    {
        if (FailNextStart)
        {
            FailNextStart = false;
            Calls.Enqueue("start-failed " + local.Subnet);
            throw new IOException($"failed to open /dev/net/tun for {local.Subnet}: EPERM");
        }
        // As OverlayDataplane: the same subnet again is a no-op for a running session.
        if (_running?.Subnet == local.Subnet)
        {
            Calls.Enqueue("start-noop " + local.Subnet);
            return;
        }
        _running = local;
        Started = local;
        Calls.Enqueue("start " + local.Subnet);
    }

    public void Stop()
    {
        _running = null;
        Calls.Enqueue("stop");
    }

    public void SetPeer(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters)
    {
        Peers[subnet] = endpoint;
        _counters[subnet] = counters;
        Calls.Enqueue($"set {subnet} {endpoint}");
    }

    public void RemovePeer(Ipv4Subnet subnet)
    {
        Peers.TryRemove(subnet, out _);
        _counters.TryRemove(subnet, out _);
        Calls.Enqueue("remove " + subnet);
    }

    public void RaiseFault(Exception failure) => Faulted?.Invoke(failure);
}
