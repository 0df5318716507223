namespace Overlay.Hosting.Metrics;

/// <summary>
/// Meter and instrument names of both processes, in one place because dashboards and alerts key on
/// them. Instruments are named with their final Prometheus name minus the "_total" the exporter
/// appends to counters; the unit ("By", "s") matches the name's suffix so the exporter adds nothing.
/// The scrape tests pin the exported names.
/// </summary>
public static class MetricNames
{
    /// <summary>overlay-node's meter.</summary>
    public const string NodeMeter = "Overlay.Node";

    /// <summary>overlay-seed's meter.</summary>
    public const string SeedMeter = "Overlay.Seed";

    /// <summary>Gauge 1 with label version (both processes).</summary>
    public const string BuildInfo = "overlay_build_info";

    /// <summary>Node: peer routes installed in the data path.</summary>
    public const string Peers = "overlay_peers";

    /// <summary>Node: packets sent to a peer (label peer_subnet).</summary>
    public const string PeerTransmitPackets = "overlay_peer_transmit_packets";

    /// <summary>Node: inner bytes sent to a peer (label peer_subnet).</summary>
    public const string PeerTransmitBytes = "overlay_peer_transmit_bytes";

    /// <summary>Node: packets received from a peer (label peer_subnet).</summary>
    public const string PeerReceivePackets = "overlay_peer_receive_packets";

    /// <summary>Node: inner bytes received from a peer (label peer_subnet).</summary>
    public const string PeerReceiveBytes = "overlay_peer_receive_bytes";

    /// <summary>Node: packets the data path dropped (label reason).</summary>
    public const string PacketsDropped = "overlay_packets_dropped";

    /// <summary>Node: 1 while the data path runs (TUN open, pumps running).</summary>
    public const string DataplaneUp = "overlay_dataplane_up";

    /// <summary>Node: defects of the data path's link the watchdog repaired (label what).</summary>
    public const string DataplaneRepairs = "overlay_dataplane_repairs";

    /// <summary>Node: TSO super-packets the offload path read from the TUN and split.</summary>
    public const string OffloadSuperPackets = "overlay_offload_super_packets";

    /// <summary>Node: datagrams the offload path sent in segmented (UDP_SEGMENT) sends.</summary>
    public const string OffloadSegmentsSent = "overlay_offload_segments_sent";

    /// <summary>Node: sendmsg calls carrying those segments.</summary>
    public const string OffloadUdpSends = "overlay_offload_udp_sends";

    /// <summary>Node: receive batches (a datagram or a UDP GRO batch) the offload path took.</summary>
    public const string OffloadGroBatches = "overlay_offload_gro_batches";

    /// <summary>Node: datagrams in those batches.</summary>
    public const string OffloadDatagramsReceived = "overlay_offload_datagrams_received";

    /// <summary>Node: writes to the TUN by the offload path (label kind: coalesced or single).</summary>
    public const string OffloadTunWrites = "overlay_offload_tun_writes";

    /// <summary>Seed: 1 when the registry kept its journal's network config, which differs from this
    /// seed's net-conf.json (not applied), else 0.</summary>
    public const string RegistryConfigDrift = "overlay_registry_config_drift";

    /// <summary>Node: packets the kernel dropped in front of the TUN's reader (its ring was full; the
    /// kernel's tx_dropped of the TUN).</summary>
    public const string TunTransmitDropped = "overlay_tun_tx_dropped";

    /// <summary>Node: packets the pumps wrote into the TUN that the kernel dropped (its rx_dropped).</summary>
    public const string TunReceiveDropped = "overlay_tun_rx_dropped";

    /// <summary>Node: Unix time the own lease expires unless renewed (absent without a lease).</summary>
    public const string LeaseExpiry = "overlay_lease_expiry_timestamp_seconds";

    /// <summary>Node: full re-reads of the lease view from the registry (snapshot resyncs).</summary>
    public const string LeaseResyncs = "overlay_lease_resyncs";

    /// <summary>Node: version gaps seen on the lease topic (each triggers a resync).</summary>
    public const string LeaseVersionGaps = "overlay_lease_version_gaps";

    /// <summary>Node: registry version of the node's lease view.</summary>
    public const string LeaseViewVersion = "overlay_lease_view_version";

    /// <summary>Seed: live leases in the registry.</summary>
    public const string Leases = "overlay_leases";

    /// <summary>Seed: subnets of the network that no live lease holds.</summary>
    public const string SubnetsFree = "overlay_subnets_free";

    /// <summary>Seed: lease events seen on the lease topic (labels type, reason).</summary>
    public const string LeaseEvents = "overlay_lease_events";

    /// <summary>Seed: the registry's version (last persisted event).</summary>
    public const string RegistryVersion = "overlay_registry_version";

    /// <summary>Seed: 1 when the last registry snapshot request was answered in time.</summary>
    public const string RegistryUp = "overlay_registry_up";

    /// <summary>Node: control-plane incarnations replaced (counter; exported with "_total").</summary>
    public const string ControlPlaneRestarts = "overlay_node_control_plane_restarts";

    /// <summary>Node: number of the current control-plane incarnation (gauge).</summary>
    public const string ControlPlaneIncarnation = "overlay_node_control_plane_incarnation";

    /// <summary>Node: 1 while the control plane is Up in the cluster (gauge).</summary>
    public const string ControlPlaneUp = "overlay_node_control_plane_up";

    /// <summary>Unit of byte counters (exported as the "_bytes" suffix).</summary>
    public const string UnitBytes = "By";

    /// <summary>Unit of timestamps (exported as the "_seconds" suffix).</summary>
    public const string UnitSeconds = "s";

    /// <summary>Unit of packet counters (an annotation: no suffix).</summary>
    public const string UnitPackets = "{packet}";
}
