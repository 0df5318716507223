using Overlay.Faults.Tests.Checker;
using Overlay.Faults.Tests.Harness;

namespace Overlay.Faults.Tests.CheckerTests;

/// <summary>The pure parts of the harness: ping output parsing, row selection, subnet arithmetic,
/// the history file round trip.</summary>
public sealed class HarnessPartsTests
{
    [Fact]
    public void Ping_output_becomes_one_probe_per_sequence_number()
    {
        var epoch = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        string[] lines =
        [
            "PING 10.244.2.2 (10.244.2.2) 56(84) bytes of data.",
            "[1800000001.000000] 64 bytes from 10.244.2.2: icmp_seq=1 ttl=62 time=0.400 ms",
            "[1800000001.200000] no answer yet for icmp_seq=2",
            "[1800000001.300000] From 10.244.1.1 icmp_seq=3 Destination Net Unreachable",
            "[1800000001.400000] 64 bytes from 10.244.2.2: icmp_seq=5 ttl=62 time=1.00 ms",
        ];
        var probes = PingOutput.Parse(lines, "p1", "p2", epoch);
        Assert.Equal([1, 2, 3, 4, 5], probes.Select(p => p.Seq));
        Assert.Equal([true, false, false, false, true], probes.Select(p => p.Answered));
        Assert.Equal(1.0, probes[0].T, 3);
        Assert.Equal(1.399, probes[4].T, 3);
    }

    [Theory]
    [InlineData(null, "F10", true, true)]
    [InlineData(null, "F23", false, false)]
    [InlineData("ci", "F23", false, false)]
    [InlineData("all", "F23", false, true)]
    [InlineData("F23,F24", "F23", false, true)]
    [InlineData("F23 F24", "F10", true, false)]
    public void Rows_are_selected_by_OVERLAY_FAULTS(string? setting, string row, bool ci, bool selected) =>
        Assert.Equal(selected, FaultSelection.Selected(setting, row, ci));

    [Theory]
    [InlineData("10.244.1.0/32", 24, "10.244.1.0/24")]
    [InlineData("10.244.7.9/32", 24, "10.244.7.0/24")]
    [InlineData("not an address", 24, null)]
    public void Subnets_of_addresses(string cidr, int length, string? subnet) => Assert.Equal(subnet, Subnets.Of(cidr, length));

    [Fact]
    public void Subnet_of_a_gateway() => Assert.Equal("10.244.3.0/24", Subnets.OfGateway("10.244.3.1/24"));

    [Fact]
    public void A_written_history_reads_back_and_checks_the_same()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"faults-history-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("OVERLAY_FAULTS_ARTIFACTS", directory);
        try
        {
            var history = Histories.Healthy(History.Check.I1NoDuplicateSubnet, History.Check.I2NoLeaseLost, History.Check.JournalReplay, History.Check.I5Traffic);
            var verdict = FaultChecker.Check(history);
            string path = HistoryFile.Write(history, verdict, TimeSpan.FromSeconds(3));
            var again = FaultChecker.Check(HistoryFile.Read(path));
            Assert.Equal(verdict.Results.Select(r => (r.Check, r.Held, r.Evidence)), again.Results.Select(r => (r.Check, r.Held, r.Evidence)));
        }
        finally
        {
            Environment.SetEnvironmentVariable("OVERLAY_FAULTS_ARTIFACTS", null);
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("2026-12-05 11:33:54.220 warn: Overlay.Seed.NetworkConfigurer[101] net-conf differs", true)]
    [InlineData("2026-12-05 11:33:54.220 fail: Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService[103] Health check x Unhealthy", true)]
    [InlineData("2026-12-05 11:33:54.220 warn: Akka.Actor.ActorSystem[0] [WARNING][...][akka.tcp://overlay@192.0.2.11:4054/user/node] lease lost, subnet changes", true)]
    [InlineData("2026-12-05 11:33:54.220 warn: Akka.Actor.ActorSystem[0] [WARNING][...][remoting (akka://overlay)] Tried to associate with unreachable remote address", false)]
    [InlineData("2026-12-05 11:33:54.220 warn: Akka.Actor.ActorSystem[0] [WARNING][...][akka.tcp://overlay@192.0.2.10:4053/user/lease-registry-proxy] ClusterSingletonProxy failed to find", false)]
    [InlineData("2026-12-05 11:33:54.220 info: Overlay.Seed[1] overlay-seed starting", false)]
    public void Loud_lines_are_warnings_of_the_project_not_of_akka_machinery(string line, bool loud) => Assert.Equal(loud, LoudLine.IsLoud(line));
}
