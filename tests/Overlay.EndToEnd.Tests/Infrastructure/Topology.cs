namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The namespace lab of one test fixture, driven through lab/topology.sh (shared with lab/lab.sh).
/// Names: &lt;prefix&gt;-sw (switch), -seed, -h1..hN (hosts), -p1..pN (pods), -x (attacker), -db (database host), -seed2 (second seed).
/// <see cref="DisposeAsync"/> deletes every namespace with the prefix.
/// </summary>
public sealed class Topology : IAsyncDisposable
{
    /// <summary>Creates a handle for a fresh random prefix; nothing exists until <see cref="UpAsync"/>.</summary>
    public Topology(string prefixStem)
    {
        // A random suffix keeps concurrent runs (other worktrees, other CI jobs) apart.
        Prefix = prefixStem + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
    }

    /// <summary>The namespace prefix, e.g. "e2e3fa1c0".</summary>
    public string Prefix { get; }

    /// <summary>The switch namespace.</summary>
    public string Switch => $"{Prefix}-sw";

    /// <summary>The seed's namespace.</summary>
    public string Seed => $"{Prefix}-seed";

    /// <summary>The attacker's namespace.</summary>
    public string Attacker => $"{Prefix}-x";

    /// <summary>The database host's namespace (fault suite).</summary>
    public string Db => $"{Prefix}-db";

    /// <summary>The second seed's namespace (fault suite, two-seed rows).</summary>
    public string Seed2 => $"{Prefix}-seed2";

    /// <summary>The second seed's underlay address (lab/topology.sh seed2).</summary>
    public static string Seed2Address => EndToEndConstants.UnderlayPrefix + "97";

    /// <summary>The database host's underlay address (lab/topology.sh db).</summary>
    public static string DbAddress => EndToEndConstants.UnderlayPrefix + "98";

    /// <summary>Host <paramref name="i"/>'s namespace (1-based).</summary>
    public string Host(int i) => $"{Prefix}-h{i}";

    /// <summary>Pod <paramref name="i"/>'s namespace (1-based, behind host i).</summary>
    public string Pod(int i) => $"{Prefix}-p{i}";

    /// <summary>The seed's underlay address.</summary>
    public static string SeedAddress => EndToEndConstants.UnderlayPrefix + EndToEndConstants.SeedOctet;

    /// <summary>Host <paramref name="i"/>'s underlay address.</summary>
    public static string HostAddress(int i) => EndToEndConstants.UnderlayPrefix + (EndToEndConstants.SeedOctet + i);

    /// <summary>Creates switch, seed and <paramref name="hosts"/> hosts (idempotent).</summary>
    public Task UpAsync(int hosts) => RunAsync("up", Prefix, hosts.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Creates the attacker namespace at 192.0.2.99 (idempotent).</summary>
    public Task AttackerAsync() => RunAsync("attacker", Prefix);

    /// <summary>Creates the database host namespace at <see cref="DbAddress"/> (idempotent).</summary>
    public Task DbAsync() => RunAsync("db", Prefix);

    /// <summary>Creates the second seed's namespace at <see cref="Seed2Address"/> (idempotent).</summary>
    public Task Seed2Async() => RunAsync("seed2", Prefix);

    /// <summary>Creates pod <paramref name="i"/> behind cni0 in host i from that host's subnet.env (idempotent).</summary>
    public Task PodAsync(int i, string subnetFile) => RunAsync("pod", Prefix, i.ToString(System.Globalization.CultureInfo.InvariantCulture), subnetFile);

    /// <summary>The namespaces that currently exist with this prefix.</summary>
    public async Task<IReadOnlyList<string>> ListAsync()
    {
        var result = await RunAsync("list", Prefix);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>Deletes every namespace with the prefix.</summary>
    public Task DownAsync() => RunAsync("down", Prefix);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await DownAsync();

    private static async Task<CommandResult> RunAsync(params string[] arguments)
    {
        var result = await CommandRunner.RunAsync("bash", [RepositoryLayout.TopologyScript, .. arguments]);
        return result.EnsureSuccess();
    }
}
