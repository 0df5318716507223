using System.Globalization;
using Overlay.EndToEnd.Tests.Infrastructure;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// A PostgreSQL server of the row's own: initdb into the run directory, started with pg_ctl as the
/// postgres user inside a namespace of the lab (the seed's, listening on 127.0.0.1, or a database
/// host's of its own, listening also on <paramref name="address"/>), so the machine's shared
/// server (which other tests use) is never touched and a restart, stop or partition here disturbs
/// nobody else. Trust authentication: it is reachable only from inside the lab.
/// </summary>
internal sealed class PrivatePostgres(string ns, string directory, string address = "127.0.0.1")
{
    /// <summary>Its port inside the namespace (any free number: the namespace has nothing else).</summary>
    public const int Port = 55432;

    private string Data => Path.Combine(directory, "data");

    /// <summary>The Npgsql connection string the seed uses.</summary>
    public string ConnectionString => $"Host={address};Port={Port};Username=overlay;Password=overlay;Database=postgres;Timeout=5;Command Timeout=10";

    /// <summary>True once <see cref="StartAsync"/> ran (so dispose knows to stop it).</summary>
    public bool Started { get; private set; }

    /// <summary>The directory of pg_ctl and initdb (the newest installed major version).</summary>
    public static string? BinDirectory =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out int v) ? v : 0)
                .FirstOrDefault()
            : null;

    private static string Bin(string tool) => Path.Combine(BinDirectory ?? throw new InvalidOperationException("PostgreSQL is not installed: no /usr/lib/postgresql/*/bin/pg_ctl (Debian package postgresql)"), tool);

    /// <summary>Creates the cluster and starts it; waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        Directory.CreateDirectory(directory);
        (await CommandRunner.RunAsync("chown", ["-R", "postgres:postgres", directory])).EnsureSuccess();
        (await AsPostgres(null, Bin("initdb"), ["-D", Data, "-U", "overlay", "--auth=trust", "-E", "UTF8", "--no-sync"], TimeSpan.FromSeconds(120))).EnsureSuccess();
        // initdb trusts loopback only; the seed reaches a database host over the lab's underlay.
        await File.AppendAllTextAsync(Path.Combine(Data, "pg_hba.conf"), "host all all 192.0.2.0/24 trust\n");
        Started = true;
        await ServerStartAsync();
    }

    /// <summary>
    /// What <c>pg_ctl restart -m immediate</c> does (every backend dies without a checkpoint, as in
    /// a crash, then the server starts again and recovers), as a stop and a start: pg_ctl restart
    /// takes no log file, and the new server would keep the caller's output pipes open.
    /// </summary>
    public async Task RestartImmediateAsync()
    {
        (await AsPostgres(ns, Bin("pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "-t", "60", "stop"], TimeSpan.FromSeconds(90))).EnsureSuccess();
        await ServerStartAsync();
    }

    private async Task ServerStartAsync()
    {
        string options = string.Create(CultureInfo.InvariantCulture, $"-p {Port} -k {directory} -c listen_addresses={(address == "127.0.0.1" ? address : "127.0.0.1," + address)} -c fsync=off");
        (await AsPostgres(ns, Bin("pg_ctl"), ["-D", Data, "-l", Path.Combine(directory, "postgres.log"), "-o", options, "-w", "-t", "60", "start"], TimeSpan.FromSeconds(90))).EnsureSuccess();
    }

    /// <summary>Runs a query with psql inside the namespace; rows as lines, columns split by '|'.</summary>
    public async Task<CommandResult> QueryAsync(string sql) =>
        await CommandRunner.RunInAsync(ns, "psql", ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "overlay", "-d", "postgres", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-c", sql], TimeSpan.FromSeconds(60));

    /// <summary>Stops it (immediate); quiet when it is not running.</summary>
    public async Task StopAsync()
    {
        if (Started)
        {
            await AsPostgres(ns, Bin("pg_ctl"), ["-D", Data, "-m", "immediate", "-w", "-t", "30", "stop"], TimeSpan.FromSeconds(60));
        }
    }

    private static Task<CommandResult> AsPostgres(string? ns, string tool, IEnumerable<string> arguments, TimeSpan timeout)
    {
        // PostgreSQL refuses to run as root; runuser drops to its own account without a password.
        string[] asUser = ["runuser", "-u", "postgres", "--", tool, .. arguments];
        return ns is null
            ? CommandRunner.RunAsync(asUser[0], asUser[1..], timeout)
            : CommandRunner.RunInAsync(ns, asUser[0], asUser[1..], timeout);
    }
}
