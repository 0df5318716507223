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

    public int Starts => Calls.Count(c => c.StartsWith("start ", StringComparison.Ordinal));

    public bool FailNextStart { get; set; }

    /// <summary>The lease of the last successful <see cref="Start"/>.</summary>
    public Lease? Started { get; private set; }

    public event Action<Exception>? Faulted;

    public void Start(Lease local, NetworkConfig network)
    {
        if (FailNextStart)
        {
            FailNextStart = false;
            Calls.Enqueue("start-failed " + local.Subnet);
            throw new IOException($"failed to open /dev/net/tun for {local.Subnet}: EPERM");
        }
        Started = local;
        Calls.Enqueue("start " + local.Subnet);
    }

    public void Stop() => Calls.Enqueue("stop");

    public void SetPeer(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters)
    {
        Peers[subnet] = endpoint;
        Calls.Enqueue($"set {subnet} {endpoint}");
    }

    public void RemovePeer(Ipv4Subnet subnet)
    {
        Peers.TryRemove(subnet, out _);
        Calls.Enqueue("remove " + subnet);
    }

    public void RaiseFault(Exception failure) => Faulted?.Invoke(failure);
}
