using System.Diagnostics.Metrics;
using Akka.Actor;
using Overlay.Actors.Node;
using Overlay.Hosting.Metrics;
using Overlay.Node.Agent;
using Overlay.Node.Dataplane;

namespace Overlay.Node.Metrics;

/// <summary>
/// overlay-node's metrics. The traffic numbers are observable instruments read at scrape time:
/// per-peer counters straight from the <see cref="PeerCounters"/> of the routes installed in the
/// data path (owned by the peer route actors; reading them is a few volatile loads) and the drops
/// from <see cref="OverlayDataplane.Drops"/>, so the pumps never call a metrics API. The lease and
/// pub-sub numbers come from the node actor's <see cref="NodeStatus"/>, asked for before each
/// scrape (an Ask cannot run inside an instrument callback) and cached; when the actor does not
/// answer in <see cref="StatusTimeout"/> the last status stays. Thread-safety: the cached status is
/// one volatile reference.
/// </summary>
public sealed class NodeMetrics : IMetricsRefresher
{
    /// <summary>How long a scrape waits for the node actor's status.</summary>
    public static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);

    private readonly INodeControlPlane _controlPlane;
    private readonly OverlayDataplane _dataplane;
    private NodeStatus? _status;

    /// <summary>Creates the instruments on <see cref="MetricNames.NodeMeter"/>.</summary>
    public NodeMetrics(IMeterFactory meters, INodeControlPlane controlPlane, OverlayDataplane dataplane)
    {
        _controlPlane = controlPlane;
        _dataplane = dataplane;
        var meter = meters.Create(MetricNames.NodeMeter);
        meter.CreateObservableGauge(MetricNames.Peers, () => _dataplane.PeerCount,
            description: "Peer routes installed in the data path.");
        meter.CreateObservableCounter(MetricNames.PeerTransmitPackets, () => PerPeer(c => c.TxPackets), MetricNames.UnitPackets,
            "Packets sent to the peer that owns peer_subnet.");
        meter.CreateObservableCounter(MetricNames.PeerTransmitBytes, () => PerPeer(c => c.TxBytes), MetricNames.UnitBytes,
            "Inner IPv4 bytes sent to the peer that owns peer_subnet.");
        meter.CreateObservableCounter(MetricNames.PeerReceivePackets, () => PerPeer(c => c.RxPackets), MetricNames.UnitPackets,
            "Packets received from the peer that owns peer_subnet and written to the TUN.");
        meter.CreateObservableCounter(MetricNames.PeerReceiveBytes, () => PerPeer(c => c.RxBytes), MetricNames.UnitBytes,
            "Inner IPv4 bytes received from the peer that owns peer_subnet and written to the TUN.");
        meter.CreateObservableCounter(MetricNames.PacketsDropped, Drops, MetricNames.UnitPackets,
            "Packets the data path dropped, by reason.");
        meter.CreateObservableCounter(MetricNames.OffloadSuperPackets, () => _dataplane.OffloadTotals().SuperPackets,
            description: "TSO super-packets read from the TUN and split into datagrams (segments_sent / super_packets is the split ratio).");
        meter.CreateObservableCounter(MetricNames.OffloadSegmentsSent, () => _dataplane.OffloadTotals().SegmentsSent, MetricNames.UnitPackets,
            "Datagrams sent by segmented (UDP_SEGMENT) sends.");
        meter.CreateObservableCounter(MetricNames.OffloadUdpSends, () => _dataplane.OffloadTotals().UdpSends,
            description: "sendmsg calls carrying the segmented sends.");
        meter.CreateObservableCounter(MetricNames.OffloadGroBatches, () => _dataplane.OffloadTotals().GroBatches,
            description: "Receive batches taken (one datagram, or a UDP GRO batch of one source).");
        meter.CreateObservableCounter(MetricNames.OffloadDatagramsReceived, () => _dataplane.OffloadTotals().DatagramsReceived, MetricNames.UnitPackets,
            "Datagrams in those receive batches.");
        meter.CreateObservableCounter(MetricNames.OffloadTunWrites, TunWrites,
            description: "Writes to the TUN: kind=coalesced (one GSO_TCPV4 write of merged TCP segments, or GSO_UDP_L4 of merged UDP datagrams) or kind=single.");
        meter.CreateObservableCounter(MetricNames.TunTransmitDropped, () => TunCounter(t => t.TxDropped), MetricNames.UnitPackets,
            "Packets the kernel dropped in front of the TUN's reader because the TUN's ring was full (the kernel's tx_dropped of the TUN, every session).");
        meter.CreateObservableCounter(MetricNames.TunReceiveDropped, () => TunCounter(t => t.RxDropped), MetricNames.UnitPackets,
            "Packets written into the TUN that the kernel dropped (the kernel's rx_dropped of the TUN, every session).");
        meter.CreateObservableGauge(MetricNames.DataplaneUp, () => _dataplane.IsRunning ? 1 : 0,
            description: "1 while the data path runs (TUN open, pumps running).");
        meter.CreateObservableCounter(MetricNames.DataplaneRepairs, Repairs,
            description: "Defects of the data path's link the watchdog found and repaired, by what: link_down, address_missing, route_missing, backstop_missing, device_missing (the data path restarted).");
        meter.CreateObservableGauge(MetricNames.LeaseExpiry, LeaseExpiry, MetricNames.UnitSeconds,
            "Unix time at which this node's lease expires unless renewed; absent without a lease.");
        meter.CreateObservableCounter(MetricNames.LeaseResyncs, () => Subscriber(s => s.Resyncs),
            description: "Periodic checks of the lease view against the registry (version probes; the whole view is fetched only when one finds it behind beyond what the registry keeps).");
        meter.CreateObservableCounter(MetricNames.LeaseVersionGaps, () => Subscriber(s => s.Gaps),
            description: "Version gaps seen on the lease topic (each one triggers a version probe).");
        meter.CreateObservableGauge(MetricNames.LeaseViewVersion, () => Subscriber(s => s.Version),
            description: "Registry version of this node's lease view.");
        meter.CreateObservableCounter(MetricNames.ControlPlaneRestarts, () => _controlPlane.Restarts,
            description: "Control-plane incarnations (actor systems) that ended other than by shutdown and were replaced; the data path kept running.");
        meter.CreateObservableGauge(MetricNames.ControlPlaneIncarnation, () => _controlPlane.Incarnation,
            description: "Number of the current control-plane incarnation (1 for the first).");
        meter.CreateObservableGauge(MetricNames.ControlPlaneUp, () => _controlPlane.IsUp ? 1 : 0,
            description: "1 while the current control-plane incarnation is Up in the cluster.");
    }

    /// <inheritdoc />
    public async Task RefreshAsync(CancellationToken cancellation)
    {
        try
        {
            if (_controlPlane.Current.Agent is not { } node)
                return; // rejoining: keep the last status
            Volatile.Write(ref _status, await node.Ask<NodeStatus>(GetNodeStatus.Instance, StatusTimeout, cancellation));
        }
        catch (Exception ex) when (ex is AskTimeoutException or TimeoutException or OperationCanceledException)
        {
            // Keep the last status: a busy or restarting actor must not blank the lease metrics.
        }
    }

    private IEnumerable<Measurement<long>> PerPeer(Func<PeerCounters, long> read)
    {
        foreach (var peer in _dataplane.Peers())
            yield return new Measurement<long>(read(peer.Counters), new KeyValuePair<string, object?>("peer_subnet", peer.Subnet.ToString()));
    }

    private IEnumerable<Measurement<long>> Drops()
    {
        foreach (var (reason, count) in _dataplane.Drops.Snapshot())
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("reason", reason));
    }

    private IEnumerable<Measurement<long>> TunCounter(Func<Overlay.Node.Tun.LinkStatistics, long> read)
    {
        if (_dataplane.TunStatistics() is { } statistics)
            yield return new Measurement<long>(read(statistics));
    }

    private IEnumerable<Measurement<long>> Repairs()
    {
        foreach (var (what, count) in _dataplane.LinkRepairs())
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("what", what));
    }

    private IEnumerable<Measurement<long>> TunWrites()
    {
        var totals = _dataplane.OffloadTotals();
        yield return new Measurement<long>(totals.CoalescedWrites, new KeyValuePair<string, object?>("kind", "coalesced"));
        yield return new Measurement<long>(totals.SingleWrites, new KeyValuePair<string, object?>("kind", "single"));
    }

    private IEnumerable<Measurement<double>> LeaseExpiry()
    {
        if (Volatile.Read(ref _status)?.Lease is { } lease)
            yield return new Measurement<double>(lease.ExpiresAt.ToUnixTimeMilliseconds() / 1000.0);
    }

    private IEnumerable<Measurement<long>> Subscriber(Func<Actors.Leases.SubscriberStats, long> read)
    {
        if (Volatile.Read(ref _status)?.Subscriber is { } stats)
            yield return new Measurement<long>(read(stats));
    }
}
