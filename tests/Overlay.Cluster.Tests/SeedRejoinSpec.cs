using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Akka.Actor;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Overlay.Seed;
using Overlay.Seed.Membership;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>No islands (fault F2b): the only seed, SIGKILLed and restarted on its data directory,
/// rejoins the cluster its nodes are still members of, vouched for by a node, and the nodes keep their leases.</summary>
public sealed class SeedRejoinSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_only_seed_killed_and_restarted_on_its_data_rejoins_the_nodes_cluster_and_they_keep_their_leases()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-").FullName;
        int clusterPort = FreePort.Next(), managementPort = FreePort.Next();
        var first = SeedProcess.Start(["--data-dir", dir], clusterPort, managementPort);
        SeedProcess? restarted = null;
        var logsA = new LineLoggerProvider("node-a");
        var logsB = new LineLoggerProvider("node-b");
        try
        {
            await first.WaitReadyAsync(Long);
            await using var nodeA = await ClusterMember.StartAsync(null, seedAddress: first.Address, logs: logsA);
            await using var nodeB = await ClusterMember.StartAsync(null, seedAddress: first.Address, logs: logsB);
            var leaseA = (await nodeA.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-a", IPAddress.Parse("192.0.2.11"), 8285, null, nodeA.Address.ToString()), Long)).Lease;
            var leaseB = (await nodeB.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-b", IPAddress.Parse("192.0.2.12"), 8285, null, nodeB.Address.ToString()), Long)).Lease;
            var file = KnownMembersFile.PathIn(dir);
            await Poll.UntilTrueAsync(() =>
            {
                var known = KnownMembersFile.Read(file);
                return known.Contains(nodeA.Address.ToString()) && known.Contains(nodeB.Address.ToString());
            }, Long, "the seed to record both nodes in " + file);

            var oldSeed = Akka.Cluster.Cluster.Get(nodeA.System).State.Members.Single(m => m.Address.ToString() == first.Address).UniqueAddress;
            first.Process.Kill();
            Assert.True(await first.Process.WaitForExitAsync(Long), "the killed seed did not exit");
            restarted = SeedProcess.Start(["--data-dir", dir], clusterPort, managementPort);
            var sinceStart = Stopwatch.StartNew();

            // Downing (keep-oldest, down-if-alone): the nodes down the lone dead seed and stay Up themselves.
            await Poll.UntilTrueAsync(() => new[] { nodeA, nodeB }.All(node =>
            {
                var cluster = Akka.Cluster.Cluster.Get(node.System);
                return cluster.State.Members.All(m => !m.UniqueAddress.Equals(oldSeed))
                       && cluster.State.Members.Any(m => m.Address.Equals(cluster.SelfAddress) && m.Status == Akka.Cluster.MemberStatus.Up);
            }), Long, "both nodes to remove the killed seed and stay Up");

            // Both nodes are members of the restarted seed's cluster: the seed lists them Up, and each
            // node lists the seed's new incarnation Up.
            await Poll.UntilTrueAsync(async () =>
            {
                if (!restarted.Process.Running)
                    throw new InvalidOperationException($"the restarted seed exited:\n{restarted.Process.Output}");
                var members = await restarted.GetJsonAsync("cluster/members");
                var up = members.GetProperty("members").EnumerateArray()
                    .Where(m => m.GetProperty("status").GetString() == "Up")
                    .Select(m => m.GetProperty("node").GetString()).ToHashSet();
                return up.Contains(restarted.Address) && up.Contains(nodeA.Address.ToString()) && up.Contains(nodeB.Address.ToString())
                       && new[] { nodeA, nodeB }.All(node => Akka.Cluster.Cluster.Get(node.System).State.Members.Any(m =>
                           m.Address.ToString() == restarted.Address && m.Status == Akka.Cluster.MemberStatus.Up));
            }, Long, "the restarted seed and both nodes to list each other Up");
            var joined = sinceStart.Elapsed;
            Assert.Contains("remembered-members=2", restarted.Process.Output);
            Assert.Contains("join-delay=", restarted.Process.Output);

            // The leases are still theirs, and they renew through the restarted registry.
            await restarted.WaitReadyAsync(Long);
            var leases = (await restarted.GetJsonAsync("leases")).GetProperty("leases").EnumerateArray()
                .ToDictionary(l => l.GetProperty("nodeName").GetString()!, l => l.GetProperty("subnet").GetString());
            Assert.Equal(leaseA.Subnet.ToString(), leases["node-a"]);
            Assert.Equal(leaseB.Subnet.ToString(), leases["node-b"]);
            Assert.IsType<LeaseRenewalSucceeded>(await nodeA.Registry.Ask<object>(new RenewLease("node-a", leaseA.Subnet), Long));
            Assert.IsType<LeaseRenewalSucceeded>(await nodeB.Registry.Ask<object>(new RenewLease("node-b", leaseB.Subnet), Long));
            output.WriteLine($"both nodes were members of the restarted seed's cluster {joined.TotalSeconds:F1}s after it started");
        }
        finally
        {
            output.WriteLine("first seed:\n" + first.Process.Output);
            if (restarted is not null)
                output.WriteLine("restarted seed:\n" + restarted.Process.Output);
            output.WriteLine(logsA.Text);
            output.WriteLine(logsB.Text);
            first.Dispose();
            restarted?.Dispose();
        }
    }
}

/// <summary>The seed list a seed starts with (pure rules) and the file it remembers members in.</summary>
public sealed class SeedJoinPlanTests
{
    private const string Self = "akka.tcp://overlay@10.0.0.2:4053";
    private const string Other = "akka.tcp://overlay@10.0.0.1:4053";
    private const string Node = "akka.tcp://overlay@10.0.0.9:4053";

    [Fact]
    public void A_seed_that_remembers_no_members_keeps_the_configured_list_so_only_the_first_seed_forms_a_cluster() =>
        Assert.Equal([Other, Self], SeedJoinPlan.SeedsFor(Self, [Other, Self], []));

    [Fact]
    public void A_seed_that_remembers_members_puts_itself_first_then_the_other_seeds_then_the_members() =>
        Assert.Equal([Self, Other, Node], SeedJoinPlan.SeedsFor(Self, [Other, Self], [Node, Self, Other]));

    [Fact]
    public void A_seed_that_crashed_waits_before_joining_and_one_that_left_gracefully_was_downed_or_remembers_nobody_does_not()
    {
        Assert.Equal(SeedConstants.RejoinDelayAfterCrash, SeedJoinPlan.JoinDelayFor(Self, new KnownMembersFile.Contents([Node], false)));
        Assert.Equal(TimeSpan.Zero, SeedJoinPlan.JoinDelayFor(Self, new KnownMembersFile.Contents([Node], true)));
        Assert.Equal(TimeSpan.Zero, SeedJoinPlan.JoinDelayFor(Self, new KnownMembersFile.Contents([Self], false)));
        Assert.Equal(TimeSpan.Zero, SeedJoinPlan.JoinDelayFor(Self, new KnownMembersFile.Contents([], false)));
        // Downed: the members removed its previous incarnation already.
        Assert.Equal(TimeSpan.Zero, SeedJoinPlan.JoinDelayFor(Self, new KnownMembersFile.Contents([Node], false, Downed: true)));
    }

    [Fact]
    public void A_seed_its_cluster_downed_waits_minutes_for_that_cluster_before_it_forms_one_and_any_other_start_keeps_akkas_timeout()
    {
        Assert.Equal(SeedConstants.SeedNodeTimeoutAfterDowned,
            SeedJoinPlan.SeedNodeTimeoutFor(Self, new KnownMembersFile.Contents([Other, Node], false, Downed: true)));
        Assert.Null(SeedJoinPlan.SeedNodeTimeoutFor(Self, new KnownMembersFile.Contents([Other, Node], false)));
        Assert.Null(SeedJoinPlan.SeedNodeTimeoutFor(Self, new KnownMembersFile.Contents([Self], false, Downed: true)));
        Assert.Null(SeedJoinPlan.SeedNodeTimeoutFor(Self, new KnownMembersFile.Contents([], false)));
    }

    [Fact]
    public void Remembered_members_are_capped()
    {
        var many = Enumerable.Range(1, 100).Select(i => $"akka.tcp://overlay@10.0.1.{i}:4053").ToList();
        Assert.Equal(1 + 1 + SeedConstants.MaxKnownMembers, SeedJoinPlan.SeedsFor(Self, [Self, Other], many).Count);
    }

    [Fact]
    public void The_members_file_round_trips_and_skips_lines_that_are_not_addresses()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("overlay-known-").FullName, "m.txt");
        Assert.Empty(KnownMembersFile.Read(path));
        KnownMembersFile.Write(path, [Other, Node]);
        Assert.Equal([Other, Node], KnownMembersFile.Read(path));
        File.AppendAllText(path, "garbage\n\n# comment\n");
        Assert.Equal([Other, Node], KnownMembersFile.Read(path));
        Assert.False(KnownMembersFile.ReadContents(path).LeftGracefully);
        KnownMembersFile.Write(path, [Other], leftGracefully: true);
        Assert.True(KnownMembersFile.ReadContents(path).LeftGracefully);
        Assert.Equal([Other], KnownMembersFile.Read(path));
        Assert.False(KnownMembersFile.ReadContents(path).Downed);
        KnownMembersFile.Write(path, [Other, Node], downed: true);
        Assert.True(KnownMembersFile.ReadContents(path).Downed);
        Assert.False(KnownMembersFile.ReadContents(path).LeftGracefully);
        Assert.Equal([Other, Node], KnownMembersFile.Read(path));
        KnownMembersFile.Write(path, [Other, Node]);
        Assert.False(KnownMembersFile.ReadContents(path).Downed);
        Assert.False(File.Exists(path + ".tmp"));
    }
}
