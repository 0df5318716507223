using System.CommandLine;
using System.Net;
using Overlay.Actors.Addressing;
using Overlay.Hosting.Cli;

namespace Overlay.Node.Tests;

/// <summary>--offload on|off and its OVERLAY_OFFLOAD mirror.</summary>
public class OffloadFlagTests
{
    private sealed class FixedProbe : IUnderlayProbe
    {
        public string DefaultRouteInterface() => "eth0";
        public string InterfaceOf(IPAddress address) => "eth0";
        public IPAddress AddressOf(string iface) => IPAddress.Parse("192.0.2.1");
        public int MtuOf(string iface) => 1500;
        public Ipv4Subnet? ReadRequestedSubnet(string path) => null;
    }

    private static NodeSettings Bind(string flags, string? env = null)
    {
        var options = new NodeOptions();
        var command = new RootCommand();
        options.AddTo(command);
        var result = command.Parse($"--seeds akka.tcp://overlay@192.0.2.10:4053 {flags}");
        return options.Bind(result, new FixedProbe(), name => name == "OVERLAY_OFFLOAD" ? env : null);
    }

    [Fact]
    public void Offload_is_on_by_default_and_follows_the_flag_then_the_environment()
    {
        Assert.True(Bind("").Offload);
        Assert.False(Bind("--offload off").Offload);
        Assert.True(Bind("--offload on").Offload);
        Assert.False(Bind("", env: "off").Offload);
        Assert.True(Bind("--offload on", env: "off").Offload);
    }

    [Fact]
    public void Offload_rejects_other_values_naming_the_flag()
    {
        var e = Assert.Throws<SettingsException>(() => Bind("--offload maybe"));
        Assert.Contains("--offload", e.Message);
        Assert.Contains("maybe", e.Message);
    }
}
