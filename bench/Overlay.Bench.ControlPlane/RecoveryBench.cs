using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Overlay.Actors.Configuration;
using Overlay.Actors.Leases;
using Overlay.Hosting.Storage;

namespace Overlay.Bench.ControlPlane;

/// <summary>
/// Registry recovery with many leases. Generate: a registry on fresh storage persists
/// <c>leases</c> real grants (snapshot every <c>snapshotEvery</c> events), waits until the last
/// snapshot is in the store, and stops. Measure (each in a fresh child process, so nothing is
/// warmed up by the generation): start a registry member on the same storage and time start ->
/// first answered GetLeaseSnapshot, plus the actor's own recovery time from its log line.
/// </summary>
public static partial class RecoveryBench
{
    /// <summary>Generates, measures <paramref name="runs"/> times in child processes, returns JSON.</summary>
    public static async Task<JsonObject> RunAsync(string kind, string? admin, int leases, int snapshotEvery, int runs,
        int concurrency)
    {
        var storage = await BenchStorage.CreateAsync(kind, admin);
        try
        {
            var settings = RegistrySettings.Default with { SnapshotEvery = snapshotEvery };
            TimeSpan generation;
            long events;
            await using (var registry = await BenchMember.StartAsync(storage.Settings, settings, null))
            {
                var configured = await registry.AskRegistryAsync(new ConfigureNetwork(NetworkConfigParser.Parse(BenchConstants.WideNetConf)));
                if (configured is not NetworkConfigured)
                    throw new InvalidOperationException($"configuring {BenchConstants.WideNetConf} failed: {configured}");
                (generation, _) = await LeaseLoader.AcquireAsync(registry, "host", 0, leases, concurrency,
                    progress: n => Console.Error.WriteLine($"recovery[{kind}]: {n} grants persisted"));
                events = 1 + leases; // NetworkConfigured + one LeaseGranted per lease
                var expected = events / snapshotEvery * snapshotEvery;
                await RouteLatencyBench.WaitAsync(() => storage.LatestSnapshotAsync().GetAwaiter().GetResult() >= expected,
                    $"snapshot at sequence {expected} in the store");
            }
            Console.Error.WriteLine($"recovery[{kind}]: {leases} grants in {generation.TotalSeconds:F1}s; measuring {runs} restarts");

            var measured = new JsonArray();
            for (var i = 0; i < runs; i++)
                measured.Add(await MeasureInChildAsync(storage.Settings, leases));
            var first = measured.Select(m => m!["first_snapshot_ms"]!.GetValue<double>()).ToList();
            var recovered = measured.Select(m => m!["recovery_ms"]!.GetValue<double>()).ToList();
            return new JsonObject
            {
                ["storage"] = kind,
                ["leases"] = leases,
                ["events"] = events,
                ["snapshot_every"] = snapshotEvery,
                ["generation_s"] = Math.Round(generation.TotalSeconds, 1),
                ["grants_per_s_while_generating"] = Math.Round(leases / generation.TotalSeconds),
                ["runs"] = measured,
                ["first_snapshot_ms"] = RouteLatencyBench.Json(Stats.Of(first)),
                ["recovery_ms"] = RouteLatencyBench.Json(Stats.Of(recovered)),
            };
        }
        finally
        {
            await storage.DeleteAsync();
        }
    }

    /// <summary>One measurement in this (fresh) process: start a registry member on
    /// <paramref name="storage"/> and time it until a GetLeaseSnapshot with every lease is answered.</summary>
    public static async Task<JsonObject> MeasureAsync(StorageSettings storage, int leases)
    {
        var watch = Stopwatch.StartNew();
        await using var registry = await BenchMember.StartAsync(storage, RegistrySettings.Default, null);
        var joined = watch.Elapsed;
        var reply = await registry.AskRegistryAsync(GetLeaseSnapshot.Instance);
        var answered = watch.Elapsed;
        if (reply is not LeaseSnapshot snapshot || snapshot.Leases.Count != leases)
            throw new InvalidOperationException(
                $"recovered registry answered {reply.GetType().Name} with {(reply as LeaseSnapshot)?.Leases.Count} leases, expected {leases}");
        var line = registry.Log.Lines.FirstOrDefault(l => l.StartsWith("Lease registry recovered", StringComparison.Ordinal))
                   ?? throw new InvalidOperationException("the registry logged no recovery line");
        var match = RecoveredLine().Match(line);
        if (!match.Success)
            throw new InvalidOperationException($"cannot read the recovery time from: {line}");
        return new JsonObject
        {
            ["first_snapshot_ms"] = Math.Round(answered.TotalMilliseconds, 1),
            ["host_started_and_joined_ms"] = Math.Round(joined.TotalMilliseconds, 1),
            ["recovery_ms"] = double.Parse(match.Groups["total"].Value, System.Globalization.CultureInfo.InvariantCulture),
            ["recovery_log"] = line,
        };
    }

    private static async Task<JsonObject> MeasureInChildAsync(StorageSettings storage, int leases)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        // Running as "dotnet overlay-bench-control-plane.dll" the process path is dotnet itself.
        var entry = typeof(RecoveryBench).Assembly.Location;
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
            start.ArgumentList.Add(entry);
        foreach (var arg in new[] { "recovery-measure", "--provider", storage.Provider.ToString(),
                     "--connection", storage.ConnectionString, "--leases", leases.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        using var child = Process.Start(start) ?? throw new InvalidOperationException($"failed to start {start.FileName}");
        var output = child.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await child.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"recovery-measure (pid {child.Id}) did not finish within 5 minutes");
        }
        var text = await output;
        if (child.ExitCode != 0)
            throw new InvalidOperationException($"recovery-measure exited with {child.ExitCode}: {text}");
        var result = JsonNode.Parse(text)!.AsObject();
        Console.Error.WriteLine($"recovery: first snapshot answered after {result["first_snapshot_ms"]} ms, recovery {result["recovery_ms"]} ms");
        return result;
    }

    [GeneratedRegex(@"in (?<total>[0-9.]+) ms")]
    private static partial Regex RecoveredLine();
}
