using System.Net;
using System.Net.Sockets;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>Free loopback TCP ports for child processes (which need their port before they start).</summary>
public static class FreePort
{
    /// <summary>A port nothing listens on right now.</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
