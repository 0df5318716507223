using System.Net;
using Akka.Actor;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>
/// Fault matrix F29 with real seed processes: a seed restarted on its data with a different (or no)
/// net-conf.json keeps the journal's config, ends no lease and reports the drift (log, metric,
/// readiness); --net-config-apply applies the file and ends the leases it no longer admits.
/// </summary>
public sealed class SeedConfigDriftSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_seed_restarted_with_another_net_conf_keeps_the_journals_config_and_every_lease_unless_told_to_apply()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-drift-").FullName;
        var narrower = Path.Combine(dir, "narrower.json");
        await File.WriteAllTextAsync(narrower, """{"Network": "10.244.0.0/16", "SubnetMin": "10.244.5.0"}""");
        Lease lease;

        using (var first = SeedProcess.Start(["--data-dir", dir]))
        {
            await first.WaitReadyAsync(Long);
            var node = await ClusterMember.StartAsync(null, seedAddress: first.Address);
            lease = (await node.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-a", IPAddress.Parse("192.0.2.11"), 8285, null, ""), Long)).Lease;
            Assert.Equal("10.244.1.0/24", lease.Subnet.ToString()); // the default SubnetMin, not admitted by narrower.json
            await node.DisposeAsync(); // leaves; its lease outlives the grace (5 min) by far in this test
            first.Process.Terminate();
            Assert.True(await first.Process.WaitForExitAsync(Long), "the first seed did not stop");
        }

        // Drift: restarted with narrower.json. (A seed without --net-config-path offers the embedded
        // default, so a "missing" file is the same case: a config that differs from the journal's.)
        using (var drifted = SeedProcess.Start(["--data-dir", dir, "--net-config-path", narrower]))
        {
            try
            {
                await drifted.WaitReadyAsync(Long);
                var ready = await drifted.Http.GetStringAsync("health/ready");
                output.WriteLine(ready);
                Assert.StartsWith("Degraded", ready);
                Assert.Contains("network config drift: the registry keeps {Network 10.244.0.0/16, SubnetLen 24, SubnetMin 10.244.1.0", ready);
                Assert.Contains("this seed's net-conf.json {Network 10.244.0.0/16, SubnetLen 24, SubnetMin 10.244.5.0", ready);
                var metrics = await drifted.Http.GetStringAsync("metrics");
                Assert.Equal(1, PrometheusText.Value(metrics, "overlay_registry_config_drift"));
                await Poll.UntilTrueAsync(() => drifted.Process.Output.Contains("Network config drift: the registry keeps", StringComparison.Ordinal),
                    Long, "the drift warning in the seed's log");

                var leases = await drifted.GetJsonAsync("leases");
                Assert.Equal("10.244.1.0", leases.GetProperty("network").GetProperty("subnetMin").GetString());
                Assert.Equal(lease.Subnet.ToString(), Assert.Single(leases.GetProperty("leases").EnumerateArray()).GetProperty("subnet").GetString());
            }
            finally
            {
                output.WriteLine(drifted.Process.Output);
            }
            drifted.Process.Terminate();
            Assert.True(await drifted.Process.WaitForExitAsync(Long), "the drifted seed did not stop");
        }

        // The operator's override: the file wins, the lease it no longer admits ends.
        using var applied = SeedProcess.Start(["--data-dir", dir, "--net-config-path", narrower, "--net-config-apply"]);
        try
        {
            await applied.WaitReadyAsync(Long);
            Assert.StartsWith("Healthy", await applied.Http.GetStringAsync("health/ready"));
            var leases = await applied.GetJsonAsync("leases");
            Assert.Equal("10.244.5.0", leases.GetProperty("network").GetProperty("subnetMin").GetString());
            Assert.Empty(leases.GetProperty("leases").EnumerateArray());
            Assert.Equal(0, PrometheusText.Value(await applied.Http.GetStringAsync("metrics"), "overlay_registry_config_drift"));
        }
        finally
        {
            output.WriteLine(applied.Process.Output);
        }
    }
}
