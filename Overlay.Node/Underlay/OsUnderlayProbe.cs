using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Hosting.Cli;
using Overlay.Node.SubnetEnv;

namespace Overlay.Node.Underlay;

/// <summary>Answers <see cref="IUnderlayProbe"/> from this host's /proc, /sys and interfaces,
/// turning lookup failures into settings errors that name the flag.</summary>
public sealed class OsUnderlayProbe : IUnderlayProbe
{
    /// <inheritdoc />
    public string DefaultRouteInterface() =>
        Wrap("--iface", () => UnderlayInterface.DefaultRouteInterface());

    /// <inheritdoc />
    public string InterfaceOf(IPAddress address) =>
        Wrap("--public-ip", () => UnderlayInterface.InterfaceWithAddress(address));

    /// <inheritdoc />
    public IPAddress AddressOf(string iface) => Wrap("--iface", () => UnderlayInterface.FirstIpv4Address(iface));

    /// <inheritdoc />
    public int MtuOf(string iface) => Wrap("--iface", () => UnderlayInterface.Mtu(iface));

    /// <inheritdoc />
    public Ipv4Subnet? ReadRequestedSubnet(string path) => SubnetEnvFile.TryReadSubnet(path);

    private static T Wrap<T>(string flag, Func<T> lookup)
    {
        try
        {
            return lookup();
        }
        catch (Exception ex) when (ex is not SettingsException)
        {
            throw new SettingsException($"{flag}: {ex.Message}", ex);
        }
    }
}
