using System.Net.Http.Json;
using System.Text.Json;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>A real overlay-seed process on loopback with free ports.</summary>
public sealed class SeedProcess : IDisposable
{
    private SeedProcess(ChildProcess process, int clusterPort, int managementPort)
    {
        Process = process;
        ClusterPort = clusterPort;
        ManagementPort = managementPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The process.</summary>
    public ChildProcess Process { get; }

    /// <summary>Its remoting port.</summary>
    public int ClusterPort { get; }

    /// <summary>Its management port.</summary>
    public int ManagementPort { get; }

    /// <summary>Its cluster address (remoting runs with mutual TLS: see <see cref="TestCertificates"/>).</summary>
    public string Address => $"akka.ssl.tcp://overlay@127.0.0.1:{ClusterPort}";

    /// <summary>A client of its management endpoint.</summary>
    public HttpClient Http { get; }

    /// <summary>Starts a seed; <paramref name="seeds"/> defaults to itself.</summary>
    public static SeedProcess Start(IEnumerable<string> extraArgs, string? seeds = null)
        => Start(extraArgs, FreePort.Next(), FreePort.Next(), seeds);

    /// <summary>Starts a seed on given ports (a restart on the same address).</summary>
    public static SeedProcess Start(IEnumerable<string> extraArgs, int clusterPort, int managementPort, string? seeds = null)
    {
        var args = new List<string>
        {
            "--cluster-ip", "127.0.0.1", "--cluster-port", clusterPort.ToString(),
            "--management-port", managementPort.ToString(),
        };
        if (seeds is not null)
            args.AddRange(["--seeds", seeds]);
        args.AddRange(extraArgs);
        return new SeedProcess(ChildProcess.Start("overlay-seed.dll", args), clusterPort, managementPort);
    }

    /// <summary>Waits until /health/ready answers 200.</summary>
    public Task WaitReadyAsync(TimeSpan timeout) => Poll.UntilTrueAsync(async () =>
    {
        if (!Process.Running)
            throw new InvalidOperationException($"overlay-seed exited with {Process.ExitCode}:\n{Process.Output}");
        return (await Http.GetAsync("health/ready")).IsSuccessStatusCode;
    }, timeout, $"overlay-seed on {ManagementPort} to be ready");

    /// <summary>GET a JSON document.</summary>
    public async Task<JsonElement> GetJsonAsync(string path) =>
        await Http.GetFromJsonAsync<JsonElement>(path);

    /// <inheritdoc />
    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
    }
}
