using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Overlay.Actors.Addressing;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>
/// The registry survives the crash of the process that hosts it: two overlay-seed processes share
/// a PostgreSQL journal; the one hosting the singleton is SIGKILLed in the middle of a storm of
/// acquires from the other members. The singleton comes back on the other seed, every lease
/// granted before the kill is still there, and no subnet is ever granted twice.
/// </summary>
public sealed class FailoverSpec(ITestOutputHelper output)
{
    [PostgresFact]
    public async Task Killing_the_registry_host_during_an_acquire_storm_loses_no_lease_and_grants_no_subnet_twice()
    {
        var storage = await TestStorage.NewPostgresAsync(TestStorage.PostgresAdmin(out _)!);
        var db = new[] { "--db-provider", "postgres", "--db", storage.ConnectionString };
        using var first = SeedProcess.Start(db);
        await first.WaitReadyAsync(TimeSpan.FromSeconds(60));
        using var second = SeedProcess.Start(db, seeds: first.Address);
        await using var client = await ClusterMember.StartAsync(null, seedAddress: first.Address);
        var cluster = Akka.Cluster.Cluster.Get(client.System);
        await Poll.UntilTrueAsync(() => cluster.State.Members.Count(m => m.Status == MemberStatus.Up) == 3,
            TimeSpan.FromSeconds(60), "seed, second seed and client Up");
        try
        {
            // What each node was told, and every reply ever received (a subnet must never go to two nodes).
            var told = new Dictionary<string, Ipv4Subnet>();
            var replies = new List<(string Node, Ipv4Subnet Subnet)>();
            var before = new Dictionary<string, Ipv4Subnet>();
            var storm = Stopwatch.StartNew();
            var next = 0;
            Stopwatch? sinceKill = null;
            TimeSpan? killToFirstServed = null;
            var afterKill = 0;
            while (afterKill < 20)
            {
                Assert.True(storm.Elapsed < TimeSpan.FromSeconds(150), "the registry did not come back within 150s");
                // A batch of 4 concurrent acquires; unanswered ones are asked again with the same node name.
                var batch = Enumerable.Range(next, 4).Select(i => $"node-{i}").Where(n => !told.ContainsKey(n)).ToList();
                var results = await Task.WhenAll(batch.Select(async name =>
                {
                    try
                    {
                        var host = int.Parse(name[5..]);
                        // Distinct public IPs: the registry would rightly hand one IP's lease to every name.
                        Assert.True(host < 250, "the storm ran out of test addresses");
                        var reply = await client.Registry.Ask<LeaseAcquired>(new AcquireLease(name,
                            new IPAddress([198, 51, 100, (byte)(host + 1)]), 8285, null, client.Address.ToString()),
                            TimeSpan.FromSeconds(3));
                        return (name, (Ipv4Subnet?)reply.Lease.Subnet);
                    }
                    catch (AskTimeoutException)
                    {
                        return (name, null);
                    }
                }));
                foreach (var (name, subnet) in results)
                {
                    if (subnet is null)
                        continue;
                    replies.Add((name, subnet.Value));
                    told[name] = subnet.Value;
                    if (sinceKill is null)
                        before[name] = subnet.Value;
                    else
                    {
                        killToFirstServed ??= sinceKill.Elapsed;
                        afterKill++;
                    }
                }
                if (results.All(r => r.Item2 is not null))
                    next += 4;
                if (sinceKill is null && told.Count >= 40)
                {
                    first.Process.Kill();
                    sinceKill = Stopwatch.StartNew();
                    output.WriteLine($"SIGKILLed the registry host (pid {first.Process.Pid}) after {told.Count} grants");
                }
            }

            output.WriteLine($"time from the kill to the first served acquire: {killToFirstServed!.Value.TotalSeconds:0.0}s");
            var snapshot = await client.Registry.Ask<LeaseSnapshot>(GetLeaseSnapshot.Instance, TimeSpan.FromSeconds(10));
            var bySubnet = snapshot.Leases.ToDictionary(l => l.Subnet);
            foreach (var (name, subnet) in before)
                Assert.True(bySubnet.TryGetValue(subnet, out var l) && l.NodeName == name, $"{name}'s lease {subnet} was lost");
            Assert.Equal(snapshot.Leases.Count, snapshot.Leases.Select(l => l.Subnet).Distinct().Count());
            foreach (var group in replies.GroupBy(r => r.Subnet))
                Assert.True(group.Select(r => r.Node).Distinct().Count() == 1,
                    $"{group.Key} was granted to {string.Join(", ", group.Select(r => r.Node).Distinct())}");
            foreach (var (name, subnet) in told)
                Assert.Equal(name, bySubnet[subnet].NodeName);
        }
        finally
        {
            output.WriteLine("--- first seed ---\n" + Tail(first.Process.Output));
            output.WriteLine("--- second seed ---\n" + Tail(second.Process.Output));
        }
    }

    private static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(40));
}
