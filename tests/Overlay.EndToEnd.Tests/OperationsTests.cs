using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.EndToEnd.Tests;

/// <summary>
/// The node's operator surface in a real lab: --ip-masq (a pod reaching the underlay arrives with
/// its host's address; without the flag the node adds no rules and the CNI bridge plugin
/// masquerades instead, as flannel's CNI plugin configures it; rules restored when deleted and removed on
/// SIGTERM), /metrics with pinned names counting real traffic, `show lease` / `show peers`, and the
/// data path on the network config's Backend.Port (8300 in this lab) without a --port.
/// </summary>
public sealed partial class OperationsTests(OperationsLabFixture lab, ITestOutputHelper output) : IClassFixture<OperationsLabFixture>
{
    private static readonly string SeedAddress = Topology.SeedAddress;

    [LabFact(Tools = ["tcpdump", "iptables"])]
    public Task With_ip_masq_a_pod_reaches_the_underlay_with_its_hosts_address_and_gets_the_reply() => lab.RunAsync(output, async () =>
    {
        var pod = lab.Topology.Pod(OperationsLabFixture.MasqHost);
        var source = await CaptureEchoSourceAsync(pod);
        Assert.Equal(Topology.HostAddress(OperationsLabFixture.MasqHost), source);
        Assert.True((await OverlayLabFixture.PingAsync(pod, SeedAddress)).Succeeded, "the reply did not come back through the masquerade");
        Assert.True(lab.Subnet(OperationsLabFixture.MasqHost).IpMasq, "FLANNEL_IPMASQ is not true with --ip-masq");
    });

    [LabFact(Tools = ["tcpdump", "iptables"])]
    public Task Without_ip_masq_the_node_adds_no_rules_and_the_cni_bridge_masquerades_instead() => lab.RunAsync(output, async () =>
    {
        // flannel's CNI plugin sets the bridge's ipMasq to !FLANNEL_IPMASQ: when the node does not
        // masquerade, the bridge plugin's own rule does, so the pod still reaches the underlay as its host.
        var source = await CaptureEchoSourceAsync(lab.Topology.Pod(OperationsLabFixture.PlainHost));
        Assert.Equal(Topology.HostAddress(OperationsLabFixture.PlainHost), source);
        Assert.False(lab.Subnet(OperationsLabFixture.PlainHost).IpMasq);
        var rules = (await CommandRunner.RunInAsync(lab.Topology.Host(OperationsLabFixture.PlainHost), "iptables-save", [])).EnsureSuccess().Stdout;
        Assert.DoesNotContain("OVERLAY-", rules);
        Assert.Matches($@"(?m)^-A CNI-\S+ ! -d 224\.0\.0\.0/4 -m comment --comment ""name: \\""cbr0\\"" id: \\""{Regex.Escape(lab.Topology.Pod(OperationsLabFixture.PlainHost))}\\"""" -j MASQUERADE", rules);
        // And the masquerading host's pod is not masqueraded twice: no bridge plugin rule there.
        var masqRules = (await CommandRunner.RunInAsync(lab.Topology.Host(OperationsLabFixture.MasqHost), "iptables-save", [])).EnsureSuccess().Stdout;
        Assert.DoesNotContain("CNI-", masqRules);
    });

    [LabFact(Tools = ["tcpdump", "iptables"])]
    public Task A_deleted_rule_comes_back_and_sigterm_removes_every_rule_but_keeps_the_subnet() => lab.RunAsync(output, async () =>
    {
        var host = lab.Topology.Host(OperationsLabFixture.MasqHost);
        var subnet = lab.Subnet(OperationsLabFixture.MasqHost);
        string[] masquerade = ["-t", "nat", "OVERLAY-POSTRTG", "-s", EndToEndConstants.OverlayNetwork, "!", "-d", "224.0.0.0/4",
            "-m", "comment", "--comment", "overlay masq", "-j", "MASQUERADE", "--random-fully"];
        (await CommandRunner.RunInAsync(host, "iptables", [masquerade[0], masquerade[1], "-D", .. masquerade[2..]])).EnsureSuccess();
        await Poll.UntilAsync("the deleted MASQUERADE rule to be restored", TimeSpan.FromSeconds(30), async () =>
        {
            var check = await CommandRunner.RunInAsync(host, "iptables", [masquerade[0], masquerade[1], "-C", .. masquerade[2..]]);
            return check.Succeeded ? null : check.Output.Trim();
        });

        await lab.StopNodeAsync(OperationsLabFixture.MasqHost);
        var after = (await CommandRunner.RunInAsync(host, "iptables-save", [])).EnsureSuccess().Stdout;
        Assert.DoesNotContain("OVERLAY-", after);
        Assert.DoesNotContain("overlay masq", after);

        await lab.StartNodeAsync(OperationsLabFixture.MasqHost);
        Assert.Equal(subnet.Subnet, lab.Subnet(OperationsLabFixture.MasqHost).Subnet);
        var restored = (await CommandRunner.RunInAsync(host, "iptables-save", [])).EnsureSuccess().Stdout;
        Assert.Single(restored.Split('\n'), l => l == "-A POSTROUTING -m comment --comment \"overlay masq\" -j OVERLAY-POSTRTG");
        Assert.Single(restored.Split('\n'), l => l == "-A FORWARD -m comment --comment \"overlay forward\" -j OVERLAY-FWD");
    });

    [LabFact]
    public Task Node_metrics_have_the_pinned_names_and_count_the_traffic_to_each_peer() => lab.RunAsync(output, async () =>
    {
        const int pings = 5;
        var peerSubnet = SubnetOf(lab.Subnet(OperationsLabFixture.PlainHost));
        var target = lab.Subnet(OperationsLabFixture.PlainHost).PodAddress.ToString();
        var api = lab.NodeApi(OperationsLabFixture.MasqHost);
        await OverlayLabFixture.WaitForPingAsync(lab.Topology.Pod(OperationsLabFixture.MasqHost), target, EndToEndConstants.TrafficTimeout);
        var before = Value(await ScrapeAsync(api), "overlay_peer_transmit_packets_total", $"peer_subnet=\"{peerSubnet}\"");
        var ping = await OverlayLabFixture.PingAsync(lab.Topology.Pod(OperationsLabFixture.MasqHost), target, count: pings, waitSeconds: 2, "-i", "0.2");
        Assert.True(ping.Succeeded, ping.Output);

        var scrape = await ScrapeAsync(api);
        output.WriteLine(scrape);
        Assert.Equal(
        [
            "overlay_build_info", "overlay_dataplane_up", "overlay_lease_expiry_timestamp_seconds", "overlay_lease_resyncs_total",
            "overlay_lease_version_gaps_total", "overlay_lease_view_version", "overlay_node_control_plane_incarnation",
            "overlay_node_control_plane_restarts_total", "overlay_node_control_plane_up", "overlay_offload_datagrams_received_total",
            "overlay_offload_gro_batches_total", "overlay_offload_segments_sent_total", "overlay_offload_super_packets_total",
            "overlay_offload_tun_writes_total", "overlay_offload_udp_sends_total", "overlay_packets_dropped_total",
            "overlay_peer_receive_bytes_total", "overlay_peer_receive_packets_total", "overlay_peer_transmit_bytes_total",
            "overlay_peer_transmit_packets_total", "overlay_peers", "overlay_tun_rx_dropped_total", "overlay_tun_tx_dropped_total",
        ], Families(scrape));
        Assert.Equal(0, Value(scrape, "overlay_tun_tx_dropped_total"));
        Assert.True(Value(scrape, "overlay_peer_transmit_packets_total", $"peer_subnet=\"{peerSubnet}\"") >= before + pings);
        Assert.True(Value(scrape, "overlay_peer_receive_packets_total", $"peer_subnet=\"{peerSubnet}\"") >= pings);
        Assert.True(Value(scrape, "overlay_peer_transmit_bytes_total", $"peer_subnet=\"{peerSubnet}\"") >= pings * EndToEndConstants.DefaultPingInnerLength);
        Assert.Equal(1, Value(scrape, "overlay_peers"));
        // Echo replies come back one datagram at a time and are written singly (nothing to coalesce).
        Assert.True(Value(scrape, "overlay_offload_gro_batches_total") >= pings);
        Assert.True(Value(scrape, "overlay_offload_tun_writes_total", "kind=\"single\"") >= pings);
        Assert.Equal(1, Value(scrape, "overlay_dataplane_up"));
        Assert.Equal(1, Value(scrape, "overlay_node_control_plane_up"));
        foreach (var reason in new[] { "not_ipv4", "malformed", "no_route", "too_big", "not_for_this_subnet", "spoofed_source", "unknown_source", "send_error", "tun_write_error", "control_truncated" })
        {
            Assert.True(Value(scrape, "overlay_packets_dropped_total", $"reason=\"{reason}\"") >= 0, $"no drop series for {reason}");
        }

        var lease = await api.GetLeaseAsync();
        var expiry = lease.ExpiresAt.ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(Value(scrape, "overlay_lease_expiry_timestamp_seconds"), expiry - 1, expiry + 1);
        Assert.True(Value(scrape, "overlay_lease_resyncs_total") >= 0);
        Assert.Matches(@"(?m)^overlay_build_info\{[^}]*version=""[^""]+""\} 1$", scrape);
    });

    [LabFact]
    public Task Show_lease_and_show_peers_print_the_nodes_state_as_tables_and_json() => lab.RunAsync(output, async () =>
    {
        var ns = lab.Topology.Host(OperationsLabFixture.MasqHost);
        var own = SubnetOf(lab.Subnet(OperationsLabFixture.MasqHost));
        var peer = SubnetOf(lab.Subnet(OperationsLabFixture.PlainHost));

        var lease = (await OperationsLabFixture.NodeCliAsync(ns, "show", "lease")).EnsureSuccess().Stdout;
        output.WriteLine(lease);
        Assert.Matches($@"(?m)^subnet:\s+{Regex.Escape(own)}$", lease);
        Assert.Matches($@"(?m)^public endpoint:\s+{Regex.Escape(Topology.HostAddress(OperationsLabFixture.MasqHost))}:{OperationsLabFixture.BackendPort}$", lease);
        Assert.Matches(@"(?m)^expires:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(in \d+h\d\dm\)$", lease);

        var peers = (await OperationsLabFixture.NodeCliAsync(ns, "show", "peers", "--endpoint", $"http://127.0.0.1:{EndToEndConstants.ManagementPort}"))
            .EnsureSuccess().Stdout;
        output.WriteLine(peers);
        var lines = peers.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^PEER-SUBNET\s{2,}NODE\s{2,}ENDPOINT\s{2,}INSTALLED\s{2,}TX-PACKETS\s{2,}TX-BYTES\s{2,}RX-PACKETS\s{2,}RX-BYTES$", lines[0]);
        Assert.Matches($@"^{Regex.Escape(peer)}\s+{Regex.Escape(lab.Topology.Host(OperationsLabFixture.PlainHost))}\s+{Regex.Escape(Topology.HostAddress(OperationsLabFixture.PlainHost))}:{OperationsLabFixture.BackendPort}\s+yes\s+\d+\s+\d+(\.\d\d)? [KMG]?i?B\s+\d+\s+\d+(\.\d\d)? [KMG]?i?B$", lines[1]);
        Assert.StartsWith($"local {own} in {EndToEndConstants.OverlayNetwork}, device {EndToEndConstants.TunName} mtu 1472, data path running", lines[2]);

        var json = JsonDocument.Parse((await OperationsLabFixture.NodeCliAsync(ns, "show", "peers", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.Equal(own, json.GetProperty("local").GetString());
        Assert.Equal(peer, json.GetProperty("peers")[0].GetProperty("subnet").GetString());
        var leaseJson = JsonDocument.Parse((await OperationsLabFixture.NodeCliAsync(ns, "show", "lease", "--json")).EnsureSuccess().Stdout).RootElement;
        Assert.Equal(own, leaseJson.GetProperty("subnet").GetString());

        var refused = await OperationsLabFixture.NodeCliAsync(ns, "show", "peers", "--management-port", "1");
        Assert.Equal(1, refused.ExitCode);
        Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var check = (await OperationsLabFixture.NodeCliAsync(ns, "check-config", "--seeds", $"akka.tcp://overlay@{SeedAddress}:4053",
            "--iface", EndToEndConstants.UnderlayInterface, "--ip-masq", "--insecure-cluster")).EnsureSuccess().Stdout;
        Assert.Matches(@"(?m)^ip-masq\s+on$", check);
        Assert.Matches($@"(?m)^public-ip\s+{Regex.Escape(Topology.HostAddress(OperationsLabFixture.MasqHost))}$", check);
    });

    [LabFact(Tools = ["tcpdump", "ss"])]
    public Task Without_port_the_nodes_bind_advertise_and_carry_pod_traffic_on_the_networks_backend_port() => lab.RunAsync(output, async () =>
    {
        const int port = OperationsLabFixture.BackendPort;
        foreach (var i in new[] { OperationsLabFixture.MasqHost, OperationsLabFixture.PlainHost })
        {
            Assert.Equal(port, (await lab.NodeApi(i).GetLeaseAsync()).Port);
            var sockets = (await CommandRunner.RunInAsync(lab.Topology.Host(i), "ss", ["-H", "-u", "-l", "-n"])).EnsureSuccess().Stdout;
            output.WriteLine($"h{i} UDP sockets:\n{sockets}");
            Assert.Matches($@"(?m)^\S+\s+\d+\s+\d+\s+\S+:{port}\s", sockets);
            Assert.DoesNotMatch($@":{EndToEndConstants.OverlayUdpPort}\s", sockets);
        }

        // Pod to pod across the hosts, seen on the receiving host's underlay as UDP to Backend.Port.
        var from = lab.Topology.Pod(OperationsLabFixture.MasqHost);
        var to = lab.Subnet(OperationsLabFixture.PlainHost).PodAddress.ToString();
        var receiver = lab.Topology.Host(OperationsLabFixture.PlainHost);
        var capture = CommandRunner.RunInAsync(receiver, "tcpdump",
            ["-n", "-l", "-c", "1", "-i", EndToEndConstants.UnderlayInterface,
             $"udp and src host {Topology.HostAddress(OperationsLabFixture.MasqHost)} and dst port {port}"], TimeSpan.FromSeconds(60));
        await Poll.UntilAsync($"tcpdump in {receiver} to see a datagram to port {port}", TimeSpan.FromSeconds(45), async () =>
        {
            if (capture.IsCompleted)
            {
                return null;
            }

            var ping = await OverlayLabFixture.PingAsync(from, to, count: 1, waitSeconds: 1);
            return ping.Succeeded ? "ping answered, no datagram captured yet" : "no answer yet: " + ping.Output.Trim();
        });
        output.WriteLine((await capture).EnsureSuccess().Stdout);
        Assert.True((await OverlayLabFixture.PingAsync(from, to, count: 3, waitSeconds: 2, "-i", "0.2")).Succeeded, $"{from} -> {to} over port {port}");
    });

    /// <summary>Starts tcpdump in the seed's namespace for one ICMP echo request to the seed, pings
    /// from <paramref name="pod"/> until it has one, and returns that request's source address.</summary>
    private async Task<string> CaptureEchoSourceAsync(string pod)
    {
        var capture = CommandRunner.RunInAsync(lab.Topology.Seed, "tcpdump",
            ["-n", "-l", "-c", "1", "-i", "eth0", $"icmp[icmptype] == icmp-echo and dst host {SeedAddress}"], TimeSpan.FromSeconds(60));
        await Poll.UntilAsync($"tcpdump in {lab.Topology.Seed} to see a ping from {pod}", TimeSpan.FromSeconds(45), async () =>
        {
            if (capture.IsCompleted)
            {
                return null;
            }

            await OverlayLabFixture.PingAsync(pod, SeedAddress, count: 1, waitSeconds: 1);
            return "no echo request captured yet";
        });
        var result = (await capture).EnsureSuccess();
        output.WriteLine(result.Stdout);
        var match = EchoLine().Match(result.Stdout);
        Assert.True(match.Success, $"no echo request in the capture:\n{result}");
        return match.Groups["source"].Value;
    }

    private static string SubnetOf(SubnetEnv env) => env.Subnet;

    private static async Task<string> ScrapeAsync(Management.ManagementClient api)
    {
        var (status, body) = await api.GetAsync("/metrics");
        Assert.Equal(200, status);
        return body;
    }

    private static IReadOnlyList<string> Families(string scrape) =>
        TypeLine().Matches(scrape).Select(m => m.Groups[1].Value).Where(n => n.StartsWith("overlay_", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();

    private static double Value(string scrape, string name, string label = "")
    {
        foreach (Match m in Regex.Matches(scrape, $@"(?m)^{Regex.Escape(name)}(?:\{{(?<labels>[^}}]*)\}})? (?<value>\S+)$"))
        {
            if (m.Groups["labels"].Value.Contains(label, StringComparison.Ordinal))
            {
                return double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    [GeneratedRegex(@"IP (?<source>\d+\.\d+\.\d+\.\d+) > \d+\.\d+\.\d+\.\d+: ICMP echo request")]
    private static partial Regex EchoLine();

    [GeneratedRegex(@"(?m)^# TYPE (\S+) \S+$")]
    private static partial Regex TypeLine();
}
