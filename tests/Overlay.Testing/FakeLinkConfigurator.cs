using Overlay.Actors.Addressing;
using Overlay.Node.Tun;

namespace Overlay.Testing;

/// <summary>
/// An in-memory kernel link table for the data-path watchdog: <see cref="Configure"/> leaves a
/// device configured (up, its address, the route and the backstop), <see cref="Inspect"/> reads it
/// back, and a test breaks it as an operator would (<see cref="SetDown"/>, <see cref="DeleteRoute"/>,
/// <see cref="DeleteDevice"/>, ...). Counts the calls. Thread-safe.
/// </summary>
public sealed class FakeLinkConfigurator : ILinkConfigurator
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkState> _links = [];
    private bool _backstop;

    /// <summary>Configure calls so far.</summary>
    public int ConfigureCalls { get; private set; }

    /// <summary>Unconfigure calls so far.</summary>
    public int UnconfigureCalls { get; private set; }

    /// <summary>When set, Configure throws it (a kernel that refuses the repair).</summary>
    public Exception? FailConfigure { get; set; }

    /// <inheritdoc />
    public void Configure(string device, uint address, int mtu, Ipv4Subnet route)
    {
        lock (_gate)
        {
            ConfigureCalls++;
            if (FailConfigure is { } failure)
                throw failure;
            _links[device] = LinkState.Configured(address) with { BackstopInstalled = true };
            _backstop = true;
        }
    }

    /// <inheritdoc />
    public LinkState Inspect(string device, Ipv4Subnet route)
    {
        lock (_gate)
            return (_links.TryGetValue(device, out var state) ? state : LinkState.Missing) with { BackstopInstalled = _backstop };
    }

    /// <summary>RemoveAddress calls so far.</summary>
    public int RemoveAddressCalls { get; private set; }

    /// <inheritdoc />
    public void RemoveAddress(string device)
    {
        lock (_gate)
        {
            RemoveAddressCalls++;
            // The kernel flushes the routes through a device with its last address.
            if (_links.TryGetValue(device, out var state))
                _links[device] = state with { Address = null, RouteInstalled = false };
        }
    }

    /// <inheritdoc />
    public void Unconfigure(Ipv4Subnet route)
    {
        lock (_gate)
        {
            UnconfigureCalls++;
            _backstop = false;
        }
    }

    /// <summary>Whether the backstop route is installed.</summary>
    public bool BackstopInstalled
    {
        get
        {
            lock (_gate)
                return _backstop;
        }
    }

    /// <summary>ip link set <paramref name="device"/> down: the kernel also flushes the route through it.</summary>
    public void SetDown(string device) => Change(device, s => s with { Up = false, RouteInstalled = false });

    /// <summary>ip route del (the route through <paramref name="device"/>).</summary>
    public void DeleteRoute(string device) => Change(device, s => s with { RouteInstalled = false });

    /// <summary>ip addr flush dev <paramref name="device"/>.</summary>
    public void DeleteAddress(string device) => Change(device, s => s with { Address = null });

    /// <summary>ip link del <paramref name="device"/>.</summary>
    public void DeleteDevice(string device)
    {
        lock (_gate)
            _links.Remove(device);
    }

    /// <summary>ip route del unreachable (the backstop).</summary>
    public void DeleteBackstop()
    {
        lock (_gate)
            _backstop = false;
    }

    private void Change(string device, Func<LinkState, LinkState> change)
    {
        lock (_gate)
            _links[device] = change(_links[device]);
    }
}
