using Overlay.Actors.Addressing;
using Overlay.Actors.Configuration;
using Overlay.Node.Tun;
using Overlay.Node.Udp;

namespace Overlay.Node.Dataplane;

/// <summary>
/// One run of the data path: the open TUN device and UDP transport and the two pump threads over
/// them. Owns the device and transport (disposes them). Created running by <see cref="OverlayDataplane"/>;
/// ended by <see cref="Stop"/> (orderly, joins the threads) or by <see cref="Abort"/> from a failing
/// pump (closes everything so the other pump ends too). Thread-safe: Stop and Abort may race.
/// </summary>
internal sealed class DataplaneSession
{
    private readonly Thread _inside;
    private readonly Thread _outside;
    private readonly Action<Exception> _onFault;
    private int _ended;
    private volatile bool _stopping;

    public DataplaneSession(Ipv4Subnet subnet, NetworkConfig network, ITunDevice tun, IUdpTransport udp,
        Action inside, Action outside, Action<Exception> onFault)
    {
        Subnet = subnet;
        Network = network;
        Tun = tun;
        Udp = udp;
        _onFault = onFault;
        _inside = new Thread(() => RunPump(inside, "TUN to UDP")) { IsBackground = true, Name = "overlay-tun-to-udp" };
        _outside = new Thread(() => RunPump(outside, "UDP to TUN")) { IsBackground = true, Name = "overlay-udp-to-tun" };
    }

    public Ipv4Subnet Subnet { get; }
    public NetworkConfig Network { get; }
    public ITunDevice Tun { get; }
    public IUdpTransport Udp { get; }

    /// <summary>True once stopped or aborted: the pumps are ending or have ended.</summary>
    public bool Ended => Volatile.Read(ref _ended) != 0;

    public void Start()
    {
        _inside.Start();
        _outside.Start();
    }

    /// <summary>Closes the device and socket (waking both pumps) and waits for the pump threads, unless
    /// called on one of them. Returns false when a thread did not end in time.</summary>
    public bool Stop()
    {
        _stopping = true;
        Abort();
        var joined = true;
        foreach (var thread in new[] { _inside, _outside })
        {
            if (thread != Thread.CurrentThread && thread.IsAlive)
                joined &= thread.Join(DataplaneConstants.PumpJoinTimeoutMs);
        }
        return joined;
    }

    /// <summary>Closes the device and socket once; idempotent.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        Tun.Dispose();
        Udp.Dispose();
    }

    private void RunPump(Action run, string direction)
    {
        Exception? failure = null;
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
        // Only the first pump to end the session reports: the other one then ends because of the abort.
        if (failure is null || Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        Tun.Dispose();
        Udp.Dispose();
        _onFault(failure);
    }
}
