namespace Overlay.Node.Tun;

/// <summary>
/// What the kernel shows of the TUN link the data path configured, as read by
/// <see cref="ILinkConfigurator.Inspect"/>: whether the device exists, is administratively up, its
/// IPv4 address (host order; null when it has none), whether the Network route through it is
/// installed, and whether the unreachable backstop route for the Network is installed.
/// </summary>
public readonly record struct LinkState(bool Exists, bool Up, uint? Address, bool RouteInstalled, bool BackstopInstalled)
{
    /// <summary>The state of a link that is configured as <see cref="ILinkConfigurator.Configure"/> leaves it.</summary>
    public static LinkState Configured(uint address) => new(true, true, address, true, true);

    /// <summary>No such device.</summary>
    public static readonly LinkState Missing = new(false, false, null, false, false);
}
