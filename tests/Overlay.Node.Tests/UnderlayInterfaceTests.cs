using Overlay.Node.Underlay;

namespace Overlay.Node.Tests;

public class UnderlayInterfaceTests
{
    private const string RouteTable =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
        "eth1\t00000000\t0102000A\t0003\t0\t0\t200\t00000000\t0\t0\t0\n" +
        "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n" +
        "eth2\t00000000\t010200C0\t0002\t0\t0\t1\t00000000\t0\t0\t0\n" + // not up
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
        "garbage line\n";

    [Fact]
    public void Picks_the_lowest_metric_usable_default_route() =>
        Assert.Equal("eth0", UnderlayInterface.ParseDefaultRouteInterface(RouteTable));

    [Fact]
    public void No_default_route_is_null_and_a_clear_error()
    {
        var onlyLocal = string.Join('\n', RouteTable.Split('\n').Where(l => !l.Contains("\t00000000\t0")));
        Assert.Null(UnderlayInterface.ParseDefaultRouteInterface(onlyLocal));

        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, onlyLocal);
            var error = Assert.Throws<InvalidOperationException>(() => UnderlayInterface.DefaultRouteInterface(path));
            Assert.Equal($"no IPv4 default route in {path}", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Loopback_has_an_address_and_an_mtu()
    {
        Assert.Equal("127.0.0.1", UnderlayInterface.FirstIpv4Address("lo").ToString());
        Assert.Equal(int.Parse(File.ReadAllText("/sys/class/net/lo/mtu").Trim()), UnderlayInterface.Mtu("lo"));
        Assert.Equal("lo", UnderlayInterface.InterfaceWithAddress(System.Net.IPAddress.Loopback));
    }

    [Fact]
    public void Unknown_interfaces_are_named_in_the_error()
    {
        Assert.Equal("no such interface eth9x", Assert.Throws<InvalidOperationException>(() => UnderlayInterface.FirstIpv4Address("eth9x")).Message);
        Assert.Equal("no such interface eth9x", Assert.Throws<InvalidOperationException>(() => UnderlayInterface.Mtu("eth9x")).Message);
        Assert.Equal("no such interface ../x", Assert.Throws<InvalidOperationException>(() => UnderlayInterface.Mtu("../x")).Message);
    }
}
