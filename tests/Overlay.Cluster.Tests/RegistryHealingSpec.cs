using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>The registry heals by itself (faults F16/F12): a seed on PostgreSQL whose database
/// restarts reports not-ready with the reason meanwhile, refuses writes with that reason, and grants
/// again without an operator once the database is back.</summary>
public sealed class RegistryHealingSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private static readonly IPAddress NodeA = IPAddress.Parse("192.0.2.11");

    [PrivatePostgresFact]
    public async Task A_PostgreSQL_restart_makes_the_seed_not_ready_with_the_reason_and_the_registry_grants_again_without_an_operator()
    {
        using var postgres = await PrivatePostgres.StartAsync();
        var dir = Directory.CreateTempSubdirectory("overlay-seed-").FullName;
        using var seed = SeedProcess.Start(["--data-dir", dir, "--db-provider", "postgres", "--db", postgres.ConnectionString]);
        try
        {
            await seed.WaitReadyAsync(Long);
            await using var node = await ClusterMember.StartAsync(null, seedAddress: seed.Address);
            var lease = (await node.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-a", NodeA, 8285, null, node.Address.ToString()), Long)).Lease;
            Assert.IsType<LeaseRenewalSucceeded>(await node.Registry.Ask<object>(new RenewLease("node-a", lease.Subnet), Long));

            await postgres.StopImmediateAsync();
            // Writes go on; the first that cannot be written takes readiness down, with the reason. New
            // grants, not renewals: a renewal soon after the last one is answered without a journal
            // write (renewal coalescing), so it would never meet the stopped database.
            string reason = "";
            int attempt = 0;
            await Poll.UntilTrueAsync(async () =>
            {
                attempt++;
                _ = node.Registry.Ask<object>(new AcquireLease($"node-x{attempt}", IPAddress.Parse($"198.51.100.{attempt % 250 + 1}"), 8285,
                        null, node.Address.ToString()), TimeSpan.FromSeconds(5))
                    .ContinueWith(_ => { }, TaskScheduler.Default);
                var ready = await seed.Http.GetAsync("health/ready");
                reason = await ready.Content.ReadAsStringAsync();
                return ready.StatusCode == HttpStatusCode.ServiceUnavailable && reason.Contains("registry journal unavailable");
            }, Long, "/health/ready to answer 503 naming the journal");
            output.WriteLine($"while PostgreSQL is down, /health/ready: {reason}");
            Assert.Matches(@"registry journal unavailable: .+ since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", reason);
            var readyz = await seed.Http.GetAsync("readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
            Assert.Contains("registry journal unavailable", await readyz.Content.ReadAsStringAsync());
            Assert.Equal(0, PrometheusText.Value(await seed.Http.GetStringAsync("metrics"), "overlay_registry_up"));
            // A write is refused at once with the storage error (not left to time out).
            var refused = Assert.IsType<LeaseRequestRejected>(
                await node.Registry.Ask<object>(new RenewLease("node-a", lease.Subnet), TimeSpan.FromSeconds(10)));
            Assert.Contains("registry journal unavailable", refused.Reason);

            await postgres.StartServerAsync();
            var back = Stopwatch.StartNew();
            await Poll.UntilTrueAsync(async () =>
                await node.Registry.Ask<object>(new RenewLease("node-a", lease.Subnet), TimeSpan.FromSeconds(5)) is LeaseRenewalSucceeded,
                Long, "the registry to renew again after PostgreSQL came back");
            var renewedAfter = back.Elapsed;
            var granted = await node.Registry.Ask<object>(
                new AcquireLease("node-b", IPAddress.Parse("192.0.2.12"), 8285, null, node.Address.ToString()), TimeSpan.FromSeconds(10));
            Assert.NotEqual(lease.Subnet, Assert.IsType<LeaseAcquired>(granted).Lease.Subnet);
            await Poll.UntilTrueAsync(async () => (await seed.Http.GetAsync("health/ready")).IsSuccessStatusCode, Long,
                "the seed to be ready again");
            await Poll.UntilTrueAsync(async () =>
                PrometheusText.Value(await seed.Http.GetStringAsync("metrics"), "overlay_registry_up") == 1, Long, "overlay_registry_up 1");
            output.WriteLine($"renewed {renewedAfter.TotalSeconds:F1}s and ready {back.Elapsed.TotalSeconds:F1}s after PostgreSQL was back");
        }
        finally
        {
            output.WriteLine(seed.Process.Output);
            output.WriteLine(postgres.Log);
        }
    }
}
