using System.Diagnostics;
using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence.Sql.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Hosting.Cluster;
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
        int concurrency, bool bulk, bool keep = false)
    {
        var storage = await BenchStorage.CreateAsync(kind, admin);
        try
        {
            var settings = RegistrySettings.Default with { SnapshotEvery = snapshotEvery };
            TimeSpan generation;
            long events = 1 + leases; // NetworkConfigured + one LeaseGranted per lease
            if (bulk)
                generation = await BulkGenerateAsync(storage.Settings, leases, snapshotEvery);
            else
            await using (var registry = await BenchMember.StartAsync(storage.Settings, settings, null))
            {
                var configured = await registry.AskRegistryAsync(new ConfigureNetwork(NetworkConfigParser.Parse(BenchConstants.WideNetConf)));
                if (configured is not NetworkConfigured)
                    throw new InvalidOperationException($"configuring {BenchConstants.WideNetConf} failed: {configured}");
                (generation, _) = await LeaseLoader.AcquireAsync(registry, "host", 0, leases, concurrency,
                    progress: n => Console.Error.WriteLine($"recovery[{kind}]: {n} grants persisted"));
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
                ["generated_by"] = bulk ? "bulk writer (same events and snapshot, PersistAll batches)" : "registry (one grant at a time)",
                ["generation_s"] = Math.Round(generation.TotalSeconds, 1),
                ["grants_per_s_while_generating"] = Math.Round(leases / generation.TotalSeconds),
                ["runs"] = measured,
                ["first_snapshot_ms"] = RouteLatencyBench.Json(Stats.Of(first)),
                ["recovery_ms"] = RouteLatencyBench.Json(Stats.Of(recovered)),
                ["process_cpu_ms_at_answer"] = RouteLatencyBench.Json(Stats.Of(
                    measured.Select(m => m!["process_cpu_ms_at_answer"]!.GetValue<double>()).ToList())),
            };
        }
        finally
        {
            if (keep)
                Console.Error.WriteLine($"recovery[{kind}]: kept {storage.Settings.Provider} {storage.Settings.ConnectionString}");
            else
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
        // The bench machine is shared: CPU time of this whole process (start-up, JIT, recovery) up
        // to the answer is the figure that does not depend on how busy the other tenants are.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        if (reply is not LeaseSnapshot snapshot || snapshot.Leases.Count != leases)
            throw new InvalidOperationException(
                $"recovered registry answered {reply.GetType().Name} with {(reply as LeaseSnapshot)?.Leases.Count} leases, expected {leases}");
        // Akka logs asynchronously: the line may reach the logger after the answer reached us.
        string? line = null;
        await RouteLatencyBench.WaitAsync(() =>
            (line = registry.Log.Lines.FirstOrDefault(l => l.Contains("Lease registry recovered", StringComparison.Ordinal))) is not null,
            "the registry's recovery log line");
        // The whole (short) log of the fresh process goes to stderr, i.e. recovery-*.log: where the
        // time went (plugin start, warm-up, singleton start) is read from its timestamps.
        foreach (var captured in registry.Log.Lines)
            Console.Error.WriteLine(captured);
        var warmUp = registry.Log.Lines.FirstOrDefault(l => l.Contains("Registry warm-up", StringComparison.Ordinal));
        var match = RecoveredLine().Match(line!);
        if (!match.Success)
            throw new InvalidOperationException($"cannot read the recovery time from: {line}");
        return new JsonObject
        {
            ["first_snapshot_ms"] = Math.Round(answered.TotalMilliseconds, 1),
            ["host_started_and_joined_ms"] = Math.Round(joined.TotalMilliseconds, 1),
            ["process_cpu_ms_at_answer"] = Math.Round(cpu.TotalMilliseconds, 1),
            ["loadavg_1m"] = File.ReadAllText("/proc/loadavg").Split(' ')[0],
            ["recovery_ms"] = double.Parse(match.Groups["total"].Value, System.Globalization.CultureInfo.InvariantCulture),
            ["recovery_log"] = line,
            ["warm_up_log"] = warmUp,
        };
    }

    /// <summary>Writes the journal with <see cref="BulkJournalWriter"/> in a member that has the SQL
    /// persistence plugins and the overlay serializer but no registry.</summary>
    internal static async Task<TimeSpan> BulkGenerateAsync(StorageSettings storage, int leases, int snapshotEvery)
    {
        var watch = Stopwatch.StartNew();
        storage.Prepare();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(new LogCapture());
        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, _) =>
        {
            akka.WithOverlayCluster(new ClusterSettings("127.0.0.1", 0, [], [ClusterRoles.Seed], BindHost: "127.0.0.1"));
            akka.WithSqlPersistence(connectionString: storage.ConnectionString, providerName: storage.Linq2DbProviderName,
                autoInitialize: true);
        });
        using var app = builder.Build();
        await app.StartAsync();
        var system = app.Services.GetRequiredService<ActorSystem>();
        var writer = system.ActorOf(Props.Create(() => new BulkJournalWriter(leases, snapshotEvery)), "bulk-writer");
        await writer.Ask<BulkJournalWriter.Done>(BulkJournalWriter.Start.Instance, TimeSpan.FromMinutes(15));
        await app.StopAsync(TimeSpan.FromSeconds(30));
        return watch.Elapsed;
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
