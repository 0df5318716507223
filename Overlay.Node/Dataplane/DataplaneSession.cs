using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Node.Dataplane;

/// <summary>
/// One run of the data path: the open TUN queues and UDP transports (one of each per queue, usually one)
/// and a pair of pump threads per queue. Owns the devices and transports (disposes them). Created
/// running by <see cref="OverlayDataplane"/>; ended by <see cref="Stop"/> (orderly, joins the threads)
/// or by <see cref="Abort"/> from a failing pump (closes everything so every other pump ends too).
/// Thread-safety: Stop and Abort may race.
/// </summary>
internal sealed class DataplaneSession
{
    private readonly IReadOnlyList<ITunDevice> _tuns;
    private readonly IReadOnlyList<IUdpTransport> _udps;
    private readonly Thread[] _threads;
    private readonly Action<Exception> _onFault;
    private readonly PumpScheduling _scheduling;
    private readonly Action<string>? _onSchedulingRefused;
    private int _schedulingReported;
    private int _ended;
    private volatile bool _stopping;

    /// <summary>Queue i is <paramref name="tuns"/>[i] and <paramref name="udps"/>[i], pumped by
    /// <paramref name="pumps"/>[i] (TUN to UDP, UDP to TUN). Each pump thread first sets <paramref name="scheduling"/>
    /// on itself; a refusal is reported once through <paramref name="onSchedulingRefused"/> and the pump runs anyway.</summary>
    public DataplaneSession(Ipv4Subnet subnet, NetworkConfig network, IReadOnlyList<ITunDevice> tuns, IReadOnlyList<IUdpTransport> udps,
        IReadOnlyList<(Action Inside, Action Outside)> pumps, Action<Exception> onFault,
        PumpScheduling scheduling = DataplaneConstants.DefaultPumpScheduling, Action<string>? onSchedulingRefused = null)
    {
        _scheduling = scheduling;
        _onSchedulingRefused = onSchedulingRefused;
        Subnet = subnet;
        Network = network;
        _tuns = tuns;
        _udps = udps;
        _onFault = onFault;
        _threads = new Thread[2 * pumps.Count];
        for (var q = 0; q < pumps.Count; q++)
        {
            // Thread names become the comm shown by top and perf (15 characters): the queue number
            // only appears when there is more than one.
            var suffix = pumps.Count > 1 ? $"-{q}" : "";
            var (inside, outside) = pumps[q];
            _threads[2 * q] = new Thread(() => RunPump(inside, "TUN to UDP", sending: true)) { IsBackground = true, Name = "overlay-tun-to-udp" + suffix };
            _threads[2 * q + 1] = new Thread(() => RunPump(outside, "UDP to TUN", sending: false)) { IsBackground = true, Name = "overlay-udp-to-tun" + suffix };
        }
    }

    public Ipv4Subnet Subnet { get; }
    public NetworkConfig Network { get; }

    /// <summary>The first queue's device (name and MTU are the device's).</summary>
    public ITunDevice Tun => _tuns[0];

    /// <summary>The first queue's transport (every queue's is bound to the same endpoint).</summary>
    public IUdpTransport Udp => _udps[0];

    /// <summary>True once stopped or aborted: the pumps are ending or have ended.</summary>
    public bool Ended => Volatile.Read(ref _ended) != 0;

    public void Start()
    {
        foreach (var thread in _threads)
            thread.Start();
    }

    /// <summary>Closes the devices and sockets (waking every pump) and waits for the pump threads, unless
    /// called on one of them. Returns false when a thread did not end in time.</summary>
    public bool Stop()
    {
        _stopping = true;
        Abort();
        var joined = true;
        foreach (var thread in _threads)
        {
            if (thread != Thread.CurrentThread && thread.IsAlive)
                joined &= thread.Join(DataplaneConstants.PumpJoinTimeoutMs);
        }
        return joined;
    }

    /// <summary>Closes the devices and sockets once; idempotent.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        CloseAll();
    }

    /// <summary>Ends the session as a failing pump would, for a failure found outside the pumps (the
    /// device was deleted under them): closes everything and reports <paramref name="failure"/> once.
    /// Does nothing when the session has already ended.</summary>
    public void Fail(Exception failure)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        CloseAll();
        _onFault(failure);
    }

    private void CloseAll()
    {
        foreach (var tun in _tuns)
            tun.Dispose();
        foreach (var udp in _udps)
            udp.Dispose();
    }

    private void RunPump(Action run, string direction, bool sending)
    {
        Exception? failure = null;
        var refused = PumpSchedulingPolicy.ApplyToCurrentThread(PumpSchedulingPolicy.ForPump(_scheduling, sending));
        if (refused is not null && Interlocked.Exchange(ref _schedulingReported, 1) == 0)
            _onSchedulingRefused?.Invoke(refused);
        try
        {
            run();
            // A pump only returns when its device or socket closed; if nobody asked for that, the data
            // path is down all the same.
            if (!Ended)
                failure = new IOException($"the {direction} pump stopped: its device or socket closed unexpectedly");
        }
        catch (Exception e)
        {
            if (!_stopping)
                failure = new IOException($"the {direction} pump failed: {e.Message}", e);
        }
        // Only the first pump to end the session reports: the others then end because of the abort.
        if (failure is null || Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        CloseAll();
        _onFault(failure);
    }
}
