using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Actors.Node;
using Overlay.Node.SubnetEnv;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Node.Dataplane;

/// <summary>
/// The flannel-UDP data path behind <see cref="IDataplane"/>: a TUN device, a UDP socket on the
/// lease's port (Backend.Port unless --port overrides it) and two pump threads (<see cref="InsidePump"/>, <see cref="OutsidePump"/>) reading a
/// <see cref="ForwardingTable"/> that <see cref="SetPeer"/>/<see cref="RemovePeer"/> replace
/// atomically. Devices come from the injected factories, so tests run it over in-memory fakes and
/// overlay-node over Linux ones (<see cref="CreateLinux"/>). Peers set before <see cref="Start"/> are
/// kept and routed once it runs. Thread-safety: the control calls serialize on a lock and may come
/// from any thread; the pumps never take it. <see cref="Faulted"/> is raised on a pump thread.
/// </summary>
public sealed partial class OverlayDataplane : IDataplane, IDisposable
{
    private readonly DataplaneOptions _options;
    private readonly TunDeviceFactory _tunFactory;
    private readonly UdpTransportFactory _udpFactory;
    private readonly ILinkConfigurator _linkConfigurator;
    private readonly ILinkStatistics _linkStatistics;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<Ipv4Subnet, ForwardingEntry> _peers = new();
    private ForwardingTableRef? _table;
    private DataplaneSession? _session;
    // The running session's offload pump counters (two per queue) and, first, the sum of every ended
    // session's, so the totals only grow across restarts while the array stays 1 + 2 x queues long.
    // Replaced, never mutated: readers take the array as is.
    private OffloadCounters[] _offloadCounters = [];
    // The TUN counters of every ended session (each session's device is new and counts from 0), so
    // TunStatistics only grows across restarts. Written under _gate.
    private LinkStatistics _endedTunStatistics;
    // Repairs by defect (overlay_dataplane_repairs_total); written under _gate.
    private readonly Dictionary<LinkDefects, long> _repairs = [];
    // The last failed check or repair, so a kernel that keeps refusing is logged once, not every second.
    private string? _lastLinkFailure;
    // Why the running session's subnet is withdrawn (Withdraw), or null while it is served; reset with
    // the session. Written under _gate.
    private volatile string? _withdrawn;

    /// <summary>
    /// Creates a stopped data path. <paramref name="tunFactory"/> opens the TUN,
    /// <paramref name="udpFactory"/> binds the socket, <paramref name="linkConfigurator"/> gives the
    /// TUN its address, MTU, up state and the Network route (use <c>NoLinkConfigurator</c> from tests/Overlay.Testing with fakes);
    /// <paramref name="linkStatistics"/> reads the TUN's kernel counters (none by default).
    /// </summary>
    public OverlayDataplane(DataplaneOptions options, TunDeviceFactory tunFactory, UdpTransportFactory udpFactory,
        ILinkConfigurator linkConfigurator, ILogger<OverlayDataplane>? logger = null, ILinkStatistics? linkStatistics = null)
    {
        if (options.TunQueues is < 1 or > DataplaneConstants.MaxTunQueues)
            throw new ArgumentException($"TunQueues {options.TunQueues} is outside 1..{DataplaneConstants.MaxTunQueues}", nameof(options));
        if (options.Mtu is { } requested && (requested < DataplaneConstants.MinTunMtu || requested > options.UnderlayMtu - DataplaneConstants.EncapOverhead))
            throw new ArgumentException(
                $"Mtu {requested} is outside {DataplaneConstants.MinTunMtu}..{options.UnderlayMtu - DataplaneConstants.EncapOverhead} (UnderlayMtu {options.UnderlayMtu} - {DataplaneConstants.EncapOverhead})",
                nameof(options));
        if (options.TunMtu < DataplaneConstants.MinTunMtu)
            throw new ArgumentException(
                $"UnderlayMtu {options.UnderlayMtu} leaves a TUN MTU of {options.TunMtu}; at least {DataplaneConstants.MinTunMtu + DataplaneConstants.EncapOverhead} is needed",
                nameof(options));
        _options = options;
        _tunFactory = tunFactory;
        _udpFactory = udpFactory;
        _linkConfigurator = linkConfigurator;
        _linkStatistics = linkStatistics ?? NoLinkStatistics.Instance;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The data path over the kernel: <see cref="LinuxTunDevice.Create"/>,
    /// <see cref="UdpTransport.Bind"/> and <see cref="LinkConfigurator"/>.</summary>
    public static OverlayDataplane CreateLinux(DataplaneOptions options, ILogger<OverlayDataplane>? logger = null)
    {
        var multiQueue = options.TunQueues > 1;
        OverlayDataplane? dataplane = null;
        // The sockets count the drops they detect themselves into the data path's counters (the
        // factory runs only once the data path exists, on Start).
        dataplane = new OverlayDataplane(options,
            (name, mtu, first) => first is LinuxTunDevice device ? device.AttachQueue()
                : options.Offload ? OpenWithOffloads(name, mtu, multiQueue, logger) : LinuxTunDevice.Create(name, mtu, multiQueue),
            local => UdpTransport.Bind(local, reusePort: multiQueue, dataplane!.Drops), new LinkConfigurator(), logger,
            ProcNetDevStatistics.Instance);
        return dataplane;
    }

    private static ITunDevice OpenWithOffloads(string name, int mtu, bool multiQueue, ILogger? logger)
    {
        var device = LinuxTunDevice.CreateWithOffloads(name, mtu, out var refusal, multiQueue);
        if (refusal is not null)
            logger?.LogWarning("TUN offloads unavailable ({Refusal}); moving one packet per TUN read and write", refusal);
        else if (device.UdpOffloadRefusal is { } udpRefusal)
            logger?.LogWarning("TUN UDP segmentation offload unavailable ({Refusal}, needs Linux 6.2); UDP moves one datagram per TUN read and write", udpRefusal);
        return device;
    }

    /// <summary>
    /// Raised once per failed session, on the failing pump thread, after the device and socket were
    /// closed; <see cref="IsRunning"/> is already false. Handlers must not block or call
    /// <see cref="Stop"/>/<see cref="Start"/> synchronously (a concurrent Stop may be waiting for this
    /// thread): tell the node actor, which calls Stop and Start. A throwing handler is logged, not rethrown.
    /// </summary>
    public event Action<Exception>? Faulted;

    /// <summary>Drop counts by reason; one instance for the life of this object (monotonic across restarts).
    /// Read <see cref="DropCounters.Snapshot"/> for the management endpoint.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>What the pumps did with offloads since this object was made (every queue, every session):
    /// all zero on the plain path. A sum taken now; safe from any thread.</summary>
    public OffloadCounters OffloadTotals() => OffloadCounters.Sum(Volatile.Read(ref _offloadCounters));

    /// <summary>
    /// The kernel's counters of the TUN (all queues) summed over every session since this object was
    /// made, read in the calling thread's network namespace (the node's): TX dropped counts packets the
    /// kernel dropped in front of the pumps because the TUN's ring was full. Null when there are no
    /// kernel counters (in-memory devices); a read that fails is logged and leaves out the current
    /// session. Safe from any thread.
    /// </summary>
    public LinkStatistics? TunStatistics()
    {
        if (_linkStatistics is NoLinkStatistics)
            return null;
        lock (_gate)
        {
            // Stopped, or the device already gone with a failed session: what the ended sessions counted.
            var ended = _endedTunStatistics;
            return _session is { } session && ReadTun(session) is { } current ? ended + current : ended;
        }
    }

    private LinkStatistics? ReadTun(DataplaneSession session)
    {
        try
        {
            return _linkStatistics.Read(session.Tun.Name);
        }
        catch (IOException e)
        {
            _logger.LogWarning("{Reason}", e.Message);
            return null;
        }
    }

    /// <summary>The options this data path was made with.</summary>
    public DataplaneOptions Options => _options;

    /// <summary>True while the pumps run (false after <see cref="Stop"/> or a fault).</summary>
    public bool IsRunning
    {
        get
        {
            var session = Volatile.Read(ref _session);
            return session is not null && !session.Ended;
        }
    }

    /// <summary>The subnet of the running (or last faulted) session; null when stopped.</summary>
    public Ipv4Subnet? LocalSubnet => Volatile.Read(ref _session)?.Subnet;

    /// <inheritdoc />
    public Ipv4Subnet? ServedSubnet => Volatile.Read(ref _session) is { Ended: false } s ? s.Subnet : null;

    /// <inheritdoc />
    public IReadOnlyList<InstalledRoute> InstalledRoutes()
    {
        lock (_gate)
            return _peers.Values.Select(e => new InstalledRoute(e.Subnet, e.Endpoint, e.Counters)).ToList();
    }

    /// <summary>The TUN device name and MTU of the current session; null when stopped.</summary>
    public (string Name, int Mtu)? Device => Volatile.Read(ref _session) is { } s ? (s.Tun.Name, s.Tun.Mtu) : null;

    /// <summary>The bound UDP endpoint of the current session; null when stopped.</summary>
    public IPEndPoint? LocalEndPoint => Volatile.Read(ref _session)?.Udp.LocalEndPoint;

    /// <summary>
    /// Every peer route set (and not removed), ordered by subnet, with its endpoint and live
    /// <see cref="PeerCounters"/>: the per-peer view for the management endpoint. Includes routes set
    /// while stopped. A snapshot; safe from any thread.
    /// </summary>
    public IReadOnlyList<ForwardingEntry> Peers()
    {
        lock (_gate)
            return _peers.Values.OrderBy(e => e.Subnet).ToList();
    }

    /// <summary>How many peer routes are set (and not removed); O(1), for the peer gauge.</summary>
    public int PeerCount
    {
        get
        {
            lock (_gate)
                return _peers.Count;
        }
    }

    /// <summary>How many of <paramref name="peers"/> have a route set: readiness compares it with the
    /// node's peer leases, so a node is not ready while its routes are still being installed.</summary>
    public int CountInstalled(IEnumerable<Ipv4Subnet> peers)
    {
        lock (_gate)
            return peers.Count(_peers.ContainsKey);
    }

    /// <inheritdoc />
    public void Start(Lease local, NetworkConfig network)
    {
        lock (_gate)
        {
            if (_session is { Ended: false } running && running.Subnet == local.Subnet && running.Network == network)
            {
                if (_withdrawn is { } reason)
                    ServeAgainLocked(running, reason);
                return;
            }
            StopLocked();

            if (local.Subnet.PrefixLength != network.SubnetLen || !network.Network.Contains(local.Subnet))
                throw new ArgumentException(
                    $"lease subnet {local.Subnet} is not a /{network.SubnetLen} inside network {network.Network}", nameof(local));

            var table = ForwardingTable.Empty(network);
            foreach (var entry in _peers.Values)
            {
                if (table.Fits(entry.Subnet) && entry.Subnet != local.Subnet)
                    table = table.With(entry);
                else
                    _logger.LogWarning("peer route {Subnet} is not a subnet of {Network} (or is our own); not routed", entry.Subnet, network.Network);
            }
            var tableRef = new ForwardingTableRef(table);

            var mtu = _options.TunMtu;
            var tunAddress = local.Subnet.Network;
            var tuns = new List<ITunDevice>();
            var udps = new List<IUdpTransport>();
            var offloaded = false;
            try
            {
                var tun = _tunFactory(_options.TunName, mtu, null);
                tuns.Add(tun);
                _linkConfigurator.Configure(tun.Name, tunAddress, mtu, network.Network);
                for (var q = 1; q < _options.TunQueues; q++)
                    tuns.Add(_tunFactory(tun.Name, mtu, tun));
                // The port in this node's lease (peers send there): Backend.Port, unless --port overrides it.
                var endpoint = new IPEndPoint(_options.BindAddress, local.Port);
                for (var q = 0; q < tuns.Count; q++)
                    udps.Add(_udpFactory(endpoint));
                SubnetEnvFile.Write(_options.SubnetFilePath, network.Network, local.Subnet, mtu, _options.IpMasq);

                // One pump per direction whatever the device can do: offloads are a capability of the TUN
                // (super-packets on read, merged runs on write) and of the socket (UDP_SEGMENT, UDP_GRO).
                // gso_max_segs stays at the kernel's default (65535). Capping it at one UDP_SEGMENT send
                // (44 at MTU 1472) saved the host's own TCP a second send per 64 KiB, but a pod's TCP
                // sizes its super-packets for its veth: the kernel then segmented every forwarded
                // super-packet in software in front of the TUN, and the TUN's ring overflowed.
                offloaded = _options.Offload && tun.OffloadsEnabled;
                var pumps = new List<(Action, Action)>();
                for (var q = 0; q < tuns.Count; q++)
                {
                    var insidePump = new InsidePump(tuns[q], udps[q], tableRef, Drops, tunAddress);
                    // Under adaptive scheduling each receiving pump has its own governor.
                    var adaptive = _options.PumpScheduling == PumpScheduling.Adaptive;
                    var outsidePump = new OutsidePump(udps[q], tuns[q], tableRef, Drops, local.Subnet, _options.SourceCheck,
                        governor: adaptive ? new ReceiveSchedulingGovernor() : null,
                        applyScheduling: adaptive ? PumpSchedulingPolicy.ApplyToCurrentThread : null);
                    if (offloaded)
                    {
                        if (!udps[q].EnableGro())
                            _logger.LogWarning("UDP_GRO refused on {Endpoint}; receiving one datagram per call", udps[q].LocalEndPoint);
                        udps[q].SegmentationDisabled += reason => _logger.LogWarning("{Reason}", reason);
                        tuns[q].CoalescingDisabled += reason => _logger.LogWarning("{Reason}", reason);
                        Volatile.Write(ref _offloadCounters, [.. _offloadCounters, insidePump.Counters, outsidePump.Counters]);
                    }
                    pumps.Add((insidePump.Run, outsidePump.Run));
                }
                var session = new DataplaneSession(local.Subnet, network, tuns, udps, pumps, OnFault, _options.PumpScheduling,
                    reason => _logger.LogWarning("{Reason}; the pumps keep the default scheduling policy", reason));
                _table = tableRef;
                Volatile.Write(ref _session, session);
                session.Start();
            }
            catch
            {
                _table = null;
                Volatile.Write(ref _session, null);
                foreach (var tun in tuns)
                    tun.Dispose();
                foreach (var udp in udps)
                    udp.Dispose();
                throw;
            }
            _logger.LogInformation(
                "data path up: {Device} {Address}/32 mtu {Mtu}, route {Network}, udp {Endpoint}, {Peers} peers, source check {SourceCheck}, offloads {Offloads}, {Queues} queue(s)",
                tuns[0].Name, Ipv4.Format(tunAddress), mtu, network.Network, udps[0].LocalEndPoint, table.Count, _options.SourceCheck,
                offloaded ? tuns[0].UdpOffloadsEnabled ? "on (TSO/USO/CSUM on the TUN, UDP GSO/GRO)" : "on (TSO/CSUM on the TUN, UDP GSO/GRO)" : "off",
                tuns.Count);
        }
    }

    /// <summary>Why the running subnet is withdrawn (<see cref="Withdraw"/>), or null while it is served
    /// (or nothing runs). Readiness reports it.</summary>
    public string? Withdrawn => _withdrawn;

    /// <inheritdoc />
    public void Withdraw(string reason)
    {
        lock (_gate)
        {
            if (_session is not { Ended: false } session || _withdrawn is not null)
                return;
            _withdrawn = reason;
            var device = session.Tun.Name;
            try
            {
                _linkConfigurator.RemoveAddress(device);
            }
            catch (IOException e)
            {
                // Keep going: subnet.env still goes, readiness says why, and the exit or re-grant that
                // follows settles the device.
                LogLinkRepairFailed(_logger, device, e.Message);
            }
            try
            {
                File.Delete(_options.SubnetFilePath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("failed to remove {SubnetFile} while withdrawing {Subnet}: {Error}", _options.SubnetFilePath, session.Subnet, e.Message);
            }
            LogWithdrawn(_logger, session.Subnet, device, _options.SubnetFilePath, reason);
        }
    }

    /// <summary>Serves a withdrawn subnet again: the registry confirmed it (the node actor called
    /// Start with it). The pumps and the peer table never stopped.</summary>
    private void ServeAgainLocked(DataplaneSession session, string reason)
    {
        _linkConfigurator.Configure(session.Tun.Name, session.Subnet.Network, session.Tun.Mtu, session.Network.Network);
        SubnetEnvFile.Write(_options.SubnetFilePath, session.Network.Network, session.Subnet, session.Tun.Mtu, _options.IpMasq);
        _withdrawn = null;
        LogServedAgain(_logger, session.Subnet, session.Tun.Name, reason);
    }

    /// <summary>
    /// The watchdog's check (<see cref="LinkWatchdog"/> calls it every
    /// <see cref="DataplaneConstants.LinkCheckInterval"/>): reads the running session's link and, when
    /// something the data path configured is gone (the link set down, its address or the Network route
    /// deleted, the backstop route deleted), configures it again, counts one repair per defect and logs
    /// one warning (event 54). A deleted device cannot be repaired in place: the session ends as if a
    /// pump had failed (<see cref="Faulted"/>, event 56), and the node actor starts a new one. A check or
    /// repair the kernel refuses is logged once (event 55) until it succeeds. Returns what was found;
    /// <see cref="LinkDefects.None"/> when stopped. Safe from any thread.
    /// </summary>
    public LinkDefects CheckLink()
    {
        DataplaneSession? lost = null;
        LinkDefects defects;
        lock (_gate)
        {
            // A withdrawn subnet has no address and no route on purpose: nothing to repair.
            if (_session is not { Ended: false } session || _withdrawn is not null)
                return LinkDefects.None;
            var device = session.Tun.Name;
            var address = session.Subnet.Network;
            var route = session.Network.Network;
            try
            {
                defects = LinkDiagnosis.Diagnose(_linkConfigurator.Inspect(device, route), address);
                if (defects == LinkDefects.None)
                {
                    _lastLinkFailure = null;
                    return defects;
                }
                foreach (var defect in LinkDiagnosis.Each(defects))
                    _repairs[defect] = _repairs.GetValueOrDefault(defect) + 1;
                if (defects.HasFlag(LinkDefects.DeviceMissing))
                {
                    LogDeviceMissing(_logger, device);
                    lost = session;
                }
                else
                {
                    _linkConfigurator.Configure(device, address, session.Tun.Mtu, route);
                    LogLinkRepaired(_logger, device, LinkDiagnosis.Describe(defects), Ipv4.Format(address), route);
                }
                _lastLinkFailure = null;
            }
            catch (IOException e)
            {
                if (_lastLinkFailure != e.Message)
                    LogLinkRepairFailed(_logger, device, e.Message);
                _lastLinkFailure = e.Message;
                return LinkDefects.None;
            }
        }
        // Outside the lock: the fault handler tells the node actor, which calls Stop and Start.
        lost?.Fail(new IOException($"{lost.Tun.Name} was deleted under the data path"));
        return defects;
    }

    /// <summary>Repairs the watchdog made since this object was made, by defect label (every defect
    /// found counts once per check that found it). A snapshot; safe from any thread.</summary>
    public IReadOnlyList<(string What, long Count)> LinkRepairs()
    {
        lock (_gate)
            return _repairs.OrderBy(r => r.Key).Select(r => (LinkDiagnosis.Label(r.Key), r.Value)).ToList();
    }

    /// <inheritdoc />
    public void Stop()
    {
        lock (_gate)
            StopLocked();
    }

    /// <inheritdoc />
    public void SetPeer(Ipv4Subnet subnet, IPEndPoint endpoint, PeerCounters counters)
    {
        var entry = new ForwardingEntry(subnet, endpoint, counters);
        lock (_gate)
        {
            var session = _session;
            if (_table is { } table && session is not null)
            {
                if (!table.Current.Fits(subnet))
                    throw new ArgumentException(
                        $"peer subnet {subnet} is not a /{table.Current.SubnetLen} inside network {table.Current.Network}", nameof(subnet));
                if (subnet != session.Subnet)
                    table.Update(t => t.With(entry));
            }
            _peers[subnet] = entry;
        }
    }

    /// <inheritdoc />
    public void RemovePeer(Ipv4Subnet subnet)
    {
        lock (_gate)
        {
            _peers.Remove(subnet);
            _table?.Update(t => t.Without(subnet));
        }
    }

    /// <summary>Stops the data path (as <see cref="Stop"/>).</summary>
    public void Dispose() => Stop();

    private void StopLocked()
    {
        var session = _session;
        if (session is null)
            return;
        var faulted = session.Ended;
        // The device goes with the session: keep what it counted.
        if (ReadTun(session) is { } last)
            _endedTunStatistics += last;
        Volatile.Write(ref _session, null);
        _table = null;
        _withdrawn = null;
        if (!session.Stop())
            _logger.LogWarning("a pump thread of {Device} did not end within {Timeout} ms", session.Tun.Name, DataplaneConstants.PumpJoinTimeoutMs);
        // The pumps have ended (joined): fold their counters into one.
        Volatile.Write(ref _offloadCounters, [OffloadCounters.Sum(_offloadCounters)]);
        // The backstop route has no device: it would outlive the TUN (and keep the Network unreachable
        // from this host after an orderly stop). A session that failed (its device deleted, a pump
        // error) keeps it: the node actor starts a new session shortly, and meanwhile the Network
        // must not fall through to the default route. Start adds it again in any case.
        if (!faulted)
        {
            try
            {
                _linkConfigurator.Unconfigure(session.Network.Network);
            }
            catch (IOException e)
            {
                _logger.LogWarning("{Reason}", e.Message);
            }
        }
        _logger.LogInformation("data path down: {Device} closed", session.Tun.Name);
    }

    [LoggerMessage(EventId = 54, Level = LogLevel.Warning,
        Message = "data path link repaired: {Device} had {Defects}; restored up, {Address}/32 and route {Network} (overlay_dataplane_repairs_total)")]
    private static partial void LogLinkRepaired(ILogger logger, string device, string defects, string address, Ipv4Subnet network);

    [LoggerMessage(EventId = 55, Level = LogLevel.Error, Message = "data path link check or repair of {Device} failed: {Error}")]
    private static partial void LogLinkRepairFailed(ILogger logger, string device, string error);

    [LoggerMessage(EventId = 56, Level = LogLevel.Warning, Message = "data path link {Device} was deleted; restarting the data path to create it again")]
    private static partial void LogDeviceMissing(ILogger logger, string device);

    [LoggerMessage(EventId = 58, Level = LogLevel.Warning,
        Message = "data path withdrew {Subnet}: {Device} lost its address (and the route with it) and {SubnetFile} was removed, because {Reason}; the peer table and the pumps stay, and {Subnet} is served again when the registry confirms it")]
    private static partial void LogWithdrawn(ILogger logger, Ipv4Subnet subnet, string device, string subnetFile, string reason);

    [LoggerMessage(EventId = 59, Level = LogLevel.Information,
        Message = "data path serves {Subnet} again on {Device}: the registry confirmed the lease (it was withdrawn because {Reason})")]
    private static partial void LogServedAgain(ILogger logger, Ipv4Subnet subnet, string device, string reason);

    private void OnFault(Exception failure)
    {
        _logger.LogError(failure, "data path failed");
        try
        {
            Faulted?.Invoke(failure);
        }
        catch (Exception e)
        {
            // A throwing handler must not kill the pump thread (and with it the process).
            _logger.LogError(e, "a Faulted handler threw");
        }
    }
}
