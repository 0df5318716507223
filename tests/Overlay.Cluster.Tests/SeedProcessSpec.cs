using System.Net;
using System.Text.Json;
using Akka.Actor;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>overlay-seed as a real process: readiness, the management routes and their JSON,
/// member leave over HTTP, and bad configuration.</summary>
public sealed class SeedProcessSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_seed_becomes_ready_and_serves_the_management_routes()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-").FullName;
        var config = Path.Combine(dir, "net-conf.json");
        await File.WriteAllTextAsync(config, """{"Network": "10.244.0.0/16", "Backend": {"Type": "udp", "Port": 8285}}""");
        using var seed = SeedProcess.Start(["--data-dir", dir, "--net-config-path", config]);
        try
        {
            await seed.WaitReadyAsync(Long);
            Assert.Equal("overlay-seed is running", await seed.Http.GetStringAsync("healthz"));
            Assert.True((await seed.Http.GetAsync("health/alive")).IsSuccessStatusCode);
            Assert.True((await seed.Http.GetAsync("readyz")).IsSuccessStatusCode);

            var members = await seed.GetJsonAsync("cluster/members");
            Assert.Equal(seed.Address, members.GetProperty("selfNode").GetString());
            var self = Assert.Single(members.GetProperty("members").EnumerateArray());
            Assert.Equal("Up", self.GetProperty("status").GetString());
            Assert.Contains("registry", self.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(seed.Address, (await seed.GetJsonAsync($"cluster/members/{Uri.EscapeDataString(seed.Address)}")).GetProperty("node").GetString());
            var plain = seed.Address.Replace("akka.ssl.tcp://", "akka.tcp://", StringComparison.Ordinal);
            Assert.Equal(seed.Address, (await seed.GetJsonAsync($"cluster/members/{Uri.EscapeDataString(plain)}")).GetProperty("node").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await seed.Http.GetAsync("cluster/members/127.0.0.1:1")).StatusCode);

            var leases = await seed.GetJsonAsync("leases");
            Assert.Equal("10.244.0.0/16", leases.GetProperty("network").GetProperty("network").GetString());
            Assert.Empty(leases.GetProperty("leases").EnumerateArray());

            // A node joins (in this process), takes a lease, and is seen over HTTP; then leaves over HTTP.
            await using var node = await ClusterMember.StartAsync(null, joinTo: null, seedAddress: seed.Address);
            var lease = (await node.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-a", IPAddress.Parse("192.0.2.11"), 8285, null, node.Address.ToString()), Long)).Lease;
            var one = await seed.GetJsonAsync($"leases/{lease.Subnet.Key}");
            Assert.Equal(lease.Subnet.ToString(), one.GetProperty("subnet").GetString());
            Assert.Equal("node-a", one.GetProperty("nodeName").GetString());
            Assert.Equal("192.0.2.11", one.GetProperty("publicIp").GetString());
            Assert.Equal(lease.Subnet.ToString(), (await seed.GetJsonAsync($"leases/{Uri.EscapeDataString(lease.Subnet.ToString())}")).GetProperty("subnet").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await seed.Http.GetAsync("leases/10.244.200.0-24")).StatusCode);
            var bad = await seed.Http.GetAsync("leases/10.244.1.7-24");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("10.244.1.7-24", await bad.Content.ReadAsStringAsync());

            await Poll.UntilTrueAsync(async () => (await seed.GetJsonAsync("cluster/members")).GetProperty("members").GetArrayLength() == 2,
                Long, "the node to show as a member");
            var leave = await seed.Http.PutAsync($"cluster/members/{Uri.EscapeDataString(node.Address.ToString())}",
                new FormUrlEncodedContent([new KeyValuePair<string, string>("operation", "Leave")]));
            Assert.Equal(HttpStatusCode.OK, leave.StatusCode);
            await Poll.UntilTrueAsync(async () => (await seed.GetJsonAsync("cluster/members")).GetProperty("members").GetArrayLength() == 1,
                Long, "the node to leave");
            var unknownOp = await seed.Http.PutAsync($"cluster/members/{Uri.EscapeDataString(seed.Address)}",
                new FormUrlEncodedContent([new KeyValuePair<string, string>("operation", "Explode")]));
            Assert.Equal(HttpStatusCode.BadRequest, unknownOp.StatusCode);

            var evicted = await seed.Http.DeleteAsync($"leases/{lease.Subnet.Key}");
            Assert.Equal(HttpStatusCode.OK, evicted.StatusCode);
            Assert.Empty((await seed.GetJsonAsync("leases")).GetProperty("leases").EnumerateArray());
            Assert.Equal(HttpStatusCode.NotFound, (await seed.Http.DeleteAsync($"leases/{lease.Subnet.Key}")).StatusCode);
        }
        finally
        {
            output.WriteLine(seed.Process.Output);
        }
    }

    [Theory]
    [InlineData("""{"Network": "10.244.0.0/16", "SubnetMin": "10.244.1.7"}""", "SubnetMin", "10.244.1.7")]
    [InlineData("""{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}""", "vxlan", "vxlan")]
    [InlineData("""{"SubnetLen": 24}""", "Network", "Network")]
    public async Task A_bad_net_conf_makes_the_seed_exit_non_zero_with_one_line_naming_key_and_value(string json, string key, string value)
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-").FullName;
        var config = Path.Combine(dir, "net-conf.json");
        await File.WriteAllTextAsync(config, json);
        using var seed = SeedProcess.Start(["--data-dir", dir, "--net-config-path", config]);
        Assert.True(await seed.Process.WaitForExitAsync(Long), "overlay-seed did not exit");
        Assert.NotEqual(0, seed.Process.ExitCode);
        var lines = seed.Process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.Contains(key, line);
        Assert.Contains(value, line);
        output.WriteLine(line);
    }

    [Fact]
    public async Task Without_tls_files_or_insecure_cluster_the_seed_exits_with_one_line_saying_what_to_pass()
    {
        using var seed = ChildProcess.Start("overlay-seed.dll", ["--cluster-ip", "127.0.0.1", "--cluster-port", FreePort.Next().ToString()],
            new Dictionary<string, string> { ["OVERLAY_TLS_CERT"] = "" });
        Assert.True(await seed.WaitForExitAsync(Long), "overlay-seed did not exit");
        Assert.Equal(Overlay.Hosting.Cli.ProcessRunner.BadSettingsExitCode, seed.ExitCode);
        var line = Assert.Single(seed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("ERR overlay-seed: --tls-cert, --tls-key, --tls-ca: Akka remoting needs this member's certificate, its key and the cluster CA "
            + "(make them with `overlay-seed ca init` and `overlay-seed ca issue`), or --insecure-cluster to run it without TLS", line);
    }

    [Fact]
    public async Task With_insecure_cluster_the_seed_starts_in_plain_tcp_and_warns()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-insecure-").FullName;
        using var seed = SeedProcess.Start(["--data-dir", dir, "--insecure-cluster"]);
        await Poll.UntilTrueAsync(() => Task.FromResult(
                seed.Process.Output.Contains("cluster remoting runs WITHOUT TLS (--insecure-cluster)", StringComparison.Ordinal)),
            Long, "the seed's warning about remoting without TLS");
        Assert.Contains($"cluster-address=akka.tcp://overlay@127.0.0.1:{seed.ClusterPort}", seed.Process.Output);
        Assert.Contains("cluster-tls=off (--insecure-cluster)", seed.Process.Output);
    }

    [Theory]
    [InlineData("--cluster-port", "http", "--cluster-port")]
    [InlineData("--db-provider", "oracle", "oracle")]
    [InlineData("--lease-ttl", "forever", "forever")]
    [InlineData("--seeds", "akka.tcp://other@127.0.0.1:1", "akka.tcp://other@127.0.0.1:1")]
    [InlineData("--no-such-flag", "1", "--no-such-flag")]
    public async Task A_bad_flag_makes_the_seed_exit_non_zero_with_one_readable_line(string flag, string value, string named)
    {
        using var seed = SeedProcess.Start([flag, value]);
        Assert.True(await seed.Process.WaitForExitAsync(Long), "overlay-seed did not exit");
        Assert.NotEqual(0, seed.Process.ExitCode);
        var line = Assert.Single(seed.Process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line);
    }
}
