using Overlay.Cluster.Tests.Harness;
using Overlay.Seed.Membership;

namespace Overlay.Cluster.Tests;

/// <summary>The members file records that the cluster downed this member, so the seed's next start
/// waits for that cluster instead of forming an island (SeedJoinPlan.SeedNodeTimeoutFor).</summary>
public sealed class MembershipRecorderSpec
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_member_its_cluster_downs_is_marked_downed_in_its_members_file()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("overlay-recorder-").FullName, KnownMembersFileNameOf());
        await using var first = await ClusterMember.StartAsync(null);
        await using var second = await ClusterMember.StartAsync(null, joinTo: first);
        second.System.ActorOf(MembershipRecorder.Props(path), "membership-recorder");
        // The file lists the other members (never the recorder's own address).
        await Poll.UntilTrueAsync(() => KnownMembersFile.Read(path).Contains(first.Address.ToString()), Long,
            "the recorder to write the other member to " + path);
        Assert.False(KnownMembersFile.ReadContents(path).Downed);

        Akka.Cluster.Cluster.Get(first.System).Down(second.Address);

        await Poll.UntilTrueAsync(() => KnownMembersFile.ReadContents(path).Downed, Long, "the downed mark in " + path);
        var contents = KnownMembersFile.ReadContents(path);
        Assert.False(contents.LeftGracefully);
        Assert.Contains(first.Address.ToString(), contents.Addresses);
    }

    private static string KnownMembersFileNameOf() => Path.GetFileName(KnownMembersFile.PathIn("/"));
}
