using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// lab/topology.sh on its own, without overlay processes: namespaces, the underlay switch, pods
/// attached by the CNI bridge plugin from a hand-written subnet.env (with flannel's masquerading
/// choice), idempotence and a complete teardown (CNI DEL included). Each test owns its lab.
/// </summary>
public sealed class TopologyTests : IAsyncLifetime
{
    private const int Hosts = 3;
    private readonly Topology _topology = new("e2t");
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"overlay-topology-{Guid.NewGuid():N}");

    /// <inheritdoc />
    public Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (LabEnvironment.MissingReason(needsTun: false, []) is null)
        {
            await _topology.DownAsync();
        }

        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [LabFact(TopologyOnly = true)]
    public async Task UpCreatesSwitchSeedHostsAndAttackerJoinedOnlyByTheUnderlay()
    {
        await _topology.UpAsync(Hosts);
        await _topology.AttackerAsync();

        // Nothing of the lab touches the root namespace: no link there leads into a lab namespace.
        var rootLinks = (await CommandRunner.RunAsync("ip", ["-o", "link", "show"])).EnsureSuccess();
        Assert.DoesNotContain(_topology.Prefix, rootLinks.Stdout);
        var namespaces = await _topology.ListAsync();
        string[] expected = [_topology.Switch, _topology.Seed, _topology.Host(1), _topology.Host(2), _topology.Host(3), _topology.Attacker];
        Assert.Equal(expected.Order(), namespaces.Order());

        await AssertPingsAsync(_topology.Host(1), Topology.HostAddress(2));
        await AssertPingsAsync(_topology.Host(3), Topology.SeedAddress);
        await AssertPingsAsync(_topology.Seed, Topology.HostAddress(3));
        await AssertPingsAsync(_topology.Attacker, Topology.HostAddress(1));

        foreach (string ns in expected)
        {
            var defaultRoute = (await CommandRunner.RunAsync("ip", ["-n", ns, "-4", "route", "show", "default"])).EnsureSuccess();
            Assert.True(defaultRoute.Stdout.Trim().Length == 0, $"{ns} has a default route: {defaultRoute.Stdout}");
        }

        var switchAddresses = (await CommandRunner.RunAsync("ip", ["-n", _topology.Switch, "-4", "addr", "show"])).EnsureSuccess();
        Assert.DoesNotContain("inet 192.", switchAddresses.Stdout);
        var forwarding = (await CommandRunner.RunInAsync(_topology.Host(2), "sysctl", ["-n", "net.ipv4.ip_forward"])).EnsureSuccess();
        Assert.Equal("1", forwarding.Stdout.Trim());

        // No way out: the underlay has no route to anything outside 192.0.2.0/24.
        var outside = await OverlayLabFixture.PingAsync(_topology.Host(1), "198.51.100.1");
        Assert.False(outside.Succeeded, $"host 1 reached an address outside the lab: {outside}");
    }

    [LabFact(TopologyOnly = true)]
    public async Task PodGetsTheGatewayBridgeAndADefaultRouteFromSubnetEnv()
    {
        await _topology.UpAsync(2);
        string subnetFile = WriteSubnetEnv("h1", "10.244.7.1/24", 1472);

        await _topology.PodAsync(1, subnetFile);
        await _topology.PodAsync(1, subnetFile); // idempotent

        var bridge = (await CommandRunner.RunAsync("ip", ["-n", _topology.Host(1), "-4", "addr", "show", "dev", "cni0"])).EnsureSuccess();
        Assert.Contains("inet 10.244.7.1/24", bridge.Stdout);
        Assert.Contains("mtu 1472", bridge.Stdout);
        var pod = (await CommandRunner.RunAsync("ip", ["-n", _topology.Pod(1), "-4", "addr", "show", "dev", "eth0"])).EnsureSuccess();
        Assert.Contains("inet 10.244.7.2/24", pod.Stdout);
        Assert.Contains("mtu 1472", pod.Stdout);
        var routes = (await CommandRunner.RunAsync("ip", ["-n", _topology.Pod(1), "-4", "route", "show", "default"])).EnsureSuccess();
        Assert.Contains("default via 10.244.7.1 dev eth0", routes.Stdout);

        await AssertPingsAsync(_topology.Pod(1), "10.244.7.1");
        await AssertPingsAsync(_topology.Host(1), "10.244.7.2");

        // Without an overlay there is no path between hosts' pod subnets.
        var hostRoutes = (await CommandRunner.RunAsync("ip", ["-n", _topology.Host(2), "-4", "route"])).EnsureSuccess();
        Assert.DoesNotContain("10.244.", hostRoutes.Stdout);
    }

    [LabFact(TopologyOnly = true)]
    public async Task PodsAreAttachedByTheCniPluginsWithFlannelsMasqueradeChoiceAndDownReleasesThem()
    {
        await _topology.UpAsync(2);
        await _topology.PodAsync(1, WriteSubnetEnv("h1", "10.244.7.1/24", 1472, ipMasq: false));
        await _topology.PodAsync(2, WriteSubnetEnv("h2", "10.244.9.1/24", 1400, ipMasq: true));

        // host-local keeps its leases in this run's own directory, one per host.
        string state = Path.Combine("/run/overlay-cni", _topology.Prefix);
        Assert.True(File.Exists(Path.Combine(state, "h1", "cbr0", "10.244.7.2")), $"no host-local lease for 10.244.7.2 under {state}");
        Assert.True(File.Exists(Path.Combine(state, "h2", "cbr0", "10.244.9.2")), $"no host-local lease for 10.244.9.2 under {state}");

        // The route to FLANNEL_NETWORK the flannel CNI plugin adds, besides the default route.
        var routes = (await CommandRunner.RunAsync("ip", ["-n", _topology.Pod(2), "-4", "route"])).EnsureSuccess();
        Assert.Contains("10.244.0.0/16 via 10.244.9.1 dev eth0", routes.Stdout);
        var bridge = (await CommandRunner.RunAsync("ip", ["-n", _topology.Host(2), "link", "show", "dev", "cni0"])).EnsureSuccess();
        Assert.Contains("mtu 1400", bridge.Stdout);

        // ipMasq = !FLANNEL_IPMASQ: the bridge plugin masquerades for a node that does not.
        var masquerading = (await CommandRunner.RunInAsync(_topology.Host(1), "iptables-save", ["-t", "nat"])).EnsureSuccess();
        Assert.Contains($"id: \\\"{_topology.Pod(1)}\\\"\" -j MASQUERADE", masquerading.Stdout);
        var notMasquerading = (await CommandRunner.RunInAsync(_topology.Host(2), "iptables-save", ["-t", "nat"])).EnsureSuccess();
        Assert.DoesNotContain("CNI-", notMasquerading.Stdout);

        await _topology.DownAsync();
        Assert.False(Directory.Exists(state), $"{state} is still there after down");
        Assert.Empty(await _topology.ListAsync());
    }

    [LabFact(TopologyOnly = true)]
    public async Task APodIsAttachedAnewWhenItsHostsSubnetEnvChanges()
    {
        await _topology.UpAsync(1);
        await _topology.PodAsync(1, WriteSubnetEnv("h1", "10.244.7.1/24", 1472));
        // Same subnet, another MTU (a node whose underlay changed), then another subnet (a new lease):
        // each time the pod is detached (CNI DEL) and attached again, and gets .2 of the subnet.
        await _topology.PodAsync(1, WriteSubnetEnv("h1", "10.244.7.1/24", 1400));
        var pod = (await CommandRunner.RunAsync("ip", ["-n", _topology.Pod(1), "-4", "addr", "show", "dev", "eth0"])).EnsureSuccess();
        Assert.Contains("inet 10.244.7.2/24", pod.Stdout);
        Assert.Contains("mtu 1400", pod.Stdout);

        await _topology.PodAsync(1, WriteSubnetEnv("h1", "10.244.8.1/24", 1400));
        pod = (await CommandRunner.RunAsync("ip", ["-n", _topology.Pod(1), "-4", "addr", "show", "dev", "eth0"])).EnsureSuccess();
        Assert.Contains("inet 10.244.8.2/24", pod.Stdout);
        Assert.DoesNotContain("10.244.7.", pod.Stdout);
        var bridge = (await CommandRunner.RunAsync("ip", ["-n", _topology.Host(1), "-4", "addr", "show", "dev", "cni0"])).EnsureSuccess();
        Assert.Contains("inet 10.244.8.1/24", bridge.Stdout);
        Assert.DoesNotContain("10.244.7.", bridge.Stdout);
        await AssertPingsAsync(_topology.Host(1), "10.244.8.2");
    }

    [LabFact(TopologyOnly = true)]
    public async Task UpIsIdempotentAndDownRemovesEveryNamespace()
    {
        await _topology.UpAsync(2);
        await _topology.UpAsync(2);
        await _topology.AttackerAsync();
        await _topology.AttackerAsync();
        await _topology.PodAsync(2, WriteSubnetEnv("h2", "10.244.9.1/24", 1472));
        await AssertPingsAsync(_topology.Host(1), Topology.HostAddress(2));

        await _topology.DownAsync();
        await _topology.DownAsync();

        Assert.Empty(await _topology.ListAsync());
        var all = (await CommandRunner.RunAsync("ip", ["netns", "list"])).EnsureSuccess();
        Assert.DoesNotContain(_topology.Prefix + "-", all.Stdout);
    }

    [LabFact(TopologyOnly = true)]
    public async Task PodRejectsASubnetEnvWithoutFlannelSubnet()
    {
        await _topology.UpAsync(1);
        Directory.CreateDirectory(_directory);
        string file = Path.Combine(_directory, "broken.env");
        await File.WriteAllTextAsync(file, "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_MTU=1472\n");

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => _topology.PodAsync(1, file));
        Assert.Contains("has no FLANNEL_SUBNET", exception.Message);
    }

    private string WriteSubnetEnv(string host, string subnet, int mtu, bool ipMasq = false)
    {
        string directory = Path.Combine(_directory, host);
        Directory.CreateDirectory(directory);
        string file = Path.Combine(directory, "subnet.env");
        File.WriteAllText(file, $"FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET={subnet}\nFLANNEL_MTU={mtu}\nFLANNEL_IPMASQ={(ipMasq ? "true" : "false")}\n");
        return file;
    }

    private static async Task AssertPingsAsync(string ns, string address)
    {
        // A fresh link may need a moment for ARP; bounded.
        await OverlayLabFixture.WaitForPingAsync(ns, address, TimeSpan.FromSeconds(10));
    }
}
