using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace Overlay.Node.Underlay;

/// <summary>
/// Facts about the host's underlay interfaces that overlay-node's --iface and --public-ip defaults
/// come from: the interface of the IPv4 default route, an interface's first IPv4 address and its MTU.
/// Reads /proc and /sys of the calling thread's network namespace. Thread-safe (no state).
/// </summary>
public static class UnderlayInterface
{
    /// <summary>RTF_UP in /proc/net/route's Flags column.</summary>
    private const int RouteUp = 0x1;

    /// <summary>The interface of the IPv4 default route with the lowest metric. Throws
    /// <see cref="InvalidOperationException"/> when there is none ("no IPv4 default route in /proc/net/route").</summary>
    public static string DefaultRouteInterface(string routeTablePath = "/proc/net/route")
    {
        string text;
        try
        {
            text = File.ReadAllText(routeTablePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"failed to read {routeTablePath}: {e.Message}", e);
        }
        return ParseDefaultRouteInterface(text)
               ?? throw new InvalidOperationException($"no IPv4 default route in {routeTablePath}");
    }

    /// <summary>The interface of the lowest-metric usable default route (destination and mask 0) in the
    /// text of /proc/net/route, or null when there is none. Tolerates malformed lines.</summary>
    public static string? ParseDefaultRouteInterface(string routeTable)
    {
        string? best = null;
        var bestMetric = long.MaxValue;
        foreach (var line in routeTable.Split('\n').Skip(1))
        {
            // Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT
            var fields = line.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 8)
                continue;
            if (!uint.TryParse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var destination)
                || !int.TryParse(fields[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var flags)
                || !long.TryParse(fields[6], NumberStyles.Integer, CultureInfo.InvariantCulture, out var metric)
                || !uint.TryParse(fields[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask))
                continue;
            if (destination != 0 || mask != 0 || (flags & RouteUp) == 0)
                continue;
            if (metric < bestMetric)
            {
                best = fields[0];
                bestMetric = metric;
            }
        }
        return best;
    }

    /// <summary>The first IPv4 address of <paramref name="interfaceName"/>. Throws
    /// <see cref="InvalidOperationException"/>: "no such interface eth9" or "no IPv4 address on interface eth9".</summary>
    public static IPAddress FirstIpv4Address(string interfaceName)
    {
        var nic = Find(interfaceName);
        return nic.GetIPProperties().UnicastAddresses
                   .Select(a => a.Address)
                   .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
               ?? throw new InvalidOperationException($"no IPv4 address on interface {interfaceName}");
    }

    /// <summary>The MTU of <paramref name="interfaceName"/> from /sys/class/net/&lt;if&gt;/mtu, else from
    /// the interface's IPv4 properties. Throws <see cref="InvalidOperationException"/> naming the interface.</summary>
    public static int Mtu(string interfaceName)
    {
        if (interfaceName.Contains('/') || interfaceName is "." or "..")
            throw new InvalidOperationException($"no such interface {interfaceName}");
        var sysPath = $"/sys/class/net/{interfaceName}/mtu";
        try
        {
            if (File.Exists(sysPath)
                && int.TryParse(File.ReadAllText(sysPath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var mtu))
                return mtu;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Fall back to the NetworkInterface view below.
        }
        var properties = Find(interfaceName).GetIPProperties().GetIPv4Properties();
        return properties?.Mtu ?? throw new InvalidOperationException($"no IPv4 MTU for interface {interfaceName}");
    }

    /// <summary>The interface that holds <paramref name="address"/> (for a --public-ip without --iface).
    /// Throws <see cref="InvalidOperationException"/> "no interface has address 192.0.2.7".</summary>
    public static string InterfaceWithAddress(IPAddress address) =>
        NetworkInterface.GetAllNetworkInterfaces()
            .FirstOrDefault(n => n.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(address)))?.Name
        ?? throw new InvalidOperationException($"no interface has address {address}");

    private static NetworkInterface Find(string interfaceName) =>
        NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == interfaceName)
        ?? throw new InvalidOperationException($"no such interface {interfaceName}");
}
