using System.Globalization;
using System.Text.Json;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.Hosting.Management;
using Overlay.Node.Management;

namespace Overlay.EndToEnd.Tests.Management;

/// <summary>
/// Reads a process's management HTTP API on 127.0.0.1 inside its namespace. The test runner
/// lives in the root namespace, which has no route into the lab, so requests go through
/// <c>ip netns exec &lt;ns&gt; curl</c>. Answers are read into the server's own records (as the CLI
/// reads them), so a change of the API's shape fails here at compile time or in the parse.
/// Stateless and thread-safe.
/// </summary>
public sealed class ManagementClient(string ns, int port = EndToEndConstants.ManagementPort)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The namespace the process serves in.</summary>
    public string Namespace { get; } = ns;

    /// <summary>GETs <paramref name="path"/>; status 0 means no HTTP answer (refused, timed out).</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        string url = $"http://127.0.0.1:{port}{path}";
        var result = await CommandRunner.RunInAsync(
            Namespace,
            "curl",
            ["-sS", "--max-time", RequestTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture), "-w", "\n%{http_code}", url],
            RequestTimeout + TimeSpan.FromSeconds(10));
        string output = result.Stdout;
        int split = output.LastIndexOf('\n');
        int status = split >= 0 && int.TryParse(output[(split + 1)..], out int code) ? code : 0;
        return (status, split >= 0 ? output[..split] : output);
    }

    /// <summary>True when GET /health/ready answers 200.</summary>
    public async Task<bool> IsReadyAsync() => (await GetAsync("/health/ready")).Status == 200;

    /// <summary>GET /cluster/members.</summary>
    public Task<ClusterMembersResponse> GetMembersAsync() => GetJsonAsync<ClusterMembersResponse>("/cluster/members");

    /// <summary>GET /leases (seed).</summary>
    public Task<LeasesJson> GetLeasesAsync() => GetJsonAsync<LeasesJson>("/leases");

    /// <summary>GET /lease (node).</summary>
    public Task<LeaseJson> GetLeaseAsync() => GetJsonAsync<LeaseJson>("/lease");

    /// <summary>GET /routes (node).</summary>
    public Task<RoutesJson> GetRoutesAsync() => GetJsonAsync<RoutesJson>("/routes");

    /// <summary>GETs <paramref name="path"/> and parses it; throws naming the namespace, path,
    /// status and body when the answer is not 200 or not the expected JSON.</summary>
    public async Task<T> GetJsonAsync<T>(string path)
    {
        var (status, body) = await GetAsync(path);
        if (status != 200)
        {
            throw new InvalidOperationException($"GET {path} in {Namespace} answered {status}: {Truncate(body)}");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body, Hosting.Management.Client.ManagementClient.JsonOptions)
                ?? throw new InvalidOperationException($"GET {path} in {Namespace} answered JSON null");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"GET {path} in {Namespace} is not a {typeof(T).Name}: {e.Message}; body: {Truncate(body)}", e);
        }
    }

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500] + "...";
}
