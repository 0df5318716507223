using System.Diagnostics;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>
/// A PostgreSQL server of the test's own: initdb in a temporary directory, run by the postgres user
/// on a free loopback port, so that a test can stop and restart it (-m immediate, as a crash) without
/// disturbing the shared server other tests use. Needs root and Debian's postgresql package (which
/// scripts/test.sh installs); <see cref="Unavailable"/> says why not otherwise. Dispose stops it
/// (by its data directory, so only this server) and removes the directory.
/// </summary>
public sealed class PrivatePostgres : IDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    private PrivatePostgres(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    /// <summary>Its port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>A connection string for its superuser "overlay" (trust authentication, loopback only).</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=overlay;Database=postgres;Timeout=5;Command Timeout=10";

    /// <summary>Why a private server cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            return "needs root to run PostgreSQL as the postgres user";
        return FindBin() is null ? "needs PostgreSQL's server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)" : null;
    }

    /// <summary>Creates and starts a server.</summary>
    public static async Task<PrivatePostgres> StartAsync()
    {
        var bin = FindBin() ?? throw new InvalidOperationException(Unavailable());
        var dir = Directory.CreateTempSubdirectory("overlay-pg-").FullName;
        var server = new PrivatePostgres(bin, dir, FreePort.Next());
        await RunAsync("chown", ["postgres:postgres", dir]);
        await server.AsPostgresAsync("initdb", ["-D", Path.Combine(dir, "data"), "--auth=trust", "--username=overlay",
            "--encoding=UTF8", "--no-sync"]);
        await server.StartServerAsync();
        return server;
    }

    /// <summary>Starts the server (again) and waits until it accepts connections.</summary>
    public Task StartServerAsync() => AsPostgresAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"),
        "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off", "-w", "-t", "60", "start"]);

    /// <summary>Stops the server at once, as a crash (pg_ctl stop -m immediate).</summary>
    public Task StopImmediateAsync() => AsPostgresAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"]);

    /// <summary>The server's log, for a failing test's output.</summary>
    public string Log => File.Exists(Path.Combine(_dir, "log")) ? File.ReadAllText(Path.Combine(_dir, "log")) : "";

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            AsPostgresAsync("pg_ctl", ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"]).Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // Already stopped.
        }
        Directory.Delete(_dir, recursive: true);
    }

    private static string? FindBin() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "pg_ctl"))).OrderDescending().FirstOrDefault()
        : null;

    private Task AsPostgresAsync(string tool, IEnumerable<string> args) =>
        RunAsync("runuser", new[] { "-u", "postgres", "--", Path.Combine(_bin, tool) }.Concat(args));

    private static async Task RunAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"failed to start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {await error}{await output}");
    }
}
