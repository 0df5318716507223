using System.Diagnostics;
using System.Net;
using Akka.Actor;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>Fault F17: the SQLite data directory fills up (a small tmpfs filled with fallocate).
/// Writes fail visibly (refused with the storage error, readiness 503) and resume without a
/// restart once space is freed.</summary>
public sealed class SqliteDiskFullSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [RootMountFact]
    public async Task A_full_data_directory_makes_writes_fail_visibly_and_they_resume_without_a_restart_once_space_is_freed()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-full-").FullName;
        await RunAsync("mount", ["-t", "tmpfs", "-o", "size=8m", "overlay-test-full", dir]);
        SeedProcess? seed = null;
        try
        {
            seed = SeedProcess.Start(["--data-dir", dir]);
            await seed.WaitReadyAsync(Long);
            await using var node = await ClusterMember.StartAsync(null, seedAddress: seed.Address);
            var lease = (await node.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-a", IPAddress.Parse("192.0.2.11"), 8285, null, node.Address.ToString()), Long)).Lease;

            var filler = Path.Combine(dir, "filler");
            await RunAsync("fallocate", ["-l", new DriveInfo(dir).AvailableFreeSpace.ToString(), filler]);
            output.WriteLine($"free after filling: {new DriveInfo(dir).AvailableFreeSpace} bytes");

            // Acquires go on; the first that cannot be written takes readiness down, and later ones are
            // refused at once with the storage error.
            var n = 0;
            LeaseRequestRejected? refused = null;
            await Poll.UntilTrueAsync(async () =>
            {
                n++;
                var reply = await node.Registry.Ask<object>(new AcquireLease($"node-{n}", IPAddress.Parse($"192.0.2.{20 + n}"), 8285,
                    null, node.Address.ToString()), TimeSpan.FromSeconds(5)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null);
                refused = reply as LeaseRequestRejected;
                return refused is not null && refused.Reason.Contains("registry journal unavailable")
                       && (await seed.Http.GetAsync("health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable;
            }, Long, "acquires to be refused with the journal error and readiness to be 503");
            output.WriteLine($"refused while full: {refused!.Reason}");
            Assert.True(seed.Process.Running, "the seed exited on a full disk");

            File.Delete(filler);
            var freed = Stopwatch.StartNew();
            var granted = await Poll.UntilAsync(async () =>
                await node.Registry.Ask<object>(new AcquireLease("node-after", IPAddress.Parse("192.0.2.99"), 8285, null,
                    node.Address.ToString()), TimeSpan.FromSeconds(5)) as LeaseAcquired, Long, "a grant after space was freed");
            Assert.NotEqual(lease.Subnet, granted.Lease.Subnet);
            // The journal is intact: nothing from the full period was stored, versions go on contiguously.
            Assert.Equal(lease.Version + 1, granted.Lease.Version);
            await Poll.UntilTrueAsync(async () => (await seed.Http.GetAsync("health/ready")).IsSuccessStatusCode, Long, "readiness again");
            output.WriteLine($"granted {freed.Elapsed.TotalSeconds:F1}s after space was freed, by the same process (PID {seed.Process.Pid})");
            Assert.IsType<LeaseRenewalSucceeded>(await node.Registry.Ask<object>(new RenewLease("node-a", lease.Subnet), Long));
        }
        finally
        {
            if (seed is not null)
            {
                output.WriteLine(seed.Process.Output);
                seed.Dispose();
            }
            await RunAsync("umount", [dir]);
            Directory.Delete(dir);
        }
    }

    private static async Task RunAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"failed to start {file}");
        await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)}: exit {process.ExitCode}: {await process.StandardError.ReadToEndAsync()}");
    }
}
