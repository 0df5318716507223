using System.Net;
using Overlay.Node.Dataplane;
using Overlay.Testing;
using static Overlay.Node.Tests.TestNetwork;

namespace Overlay.Node.Tests;

/// <summary>
/// The base of the tests of what the node does to its link (the watchdog, withdrawal): a data path
/// over in-memory devices and the in-memory link table (<see cref="FakeLinkConfigurator"/>), with
/// subnet.env in a directory of its own. Disposing stops it and removes the directory.
/// </summary>
public abstract class FakeLinkDataplaneTests : IDisposable
{
    protected const string Device = "overlay0";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"overlay-link-{Guid.NewGuid():N}");

    protected FakeLinkDataplaneTests()
    {
        var network = new ChannelUdpNetwork();
        Dataplane = new OverlayDataplane(
            new DataplaneOptions { BindAddress = IPAddress.Parse("192.0.2.1"), SubnetFilePath = SubnetFile, UnderlayMtu = 1500 },
            (name, mtu, _) => new ChannelTunDevice(name, mtu),
            local => network.Bind(local),
            Link);
    }

    protected FakeLinkConfigurator Link { get; } = new();

    protected OverlayDataplane Dataplane { get; }

    protected string SubnetFile => Path.Combine(_dir, "subnet.env");

    /// <summary>Starts (or re-grants) the lease 10.244.1.0/24 in 10.244.0.0/16.</summary>
    protected void Start() => Dataplane.Start(Lease("10.244.1.0/24", "192.0.2.1"), Config());

    public void Dispose()
    {
        GC.SuppressFinalize(this);
        Dataplane.Dispose();
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }
}
