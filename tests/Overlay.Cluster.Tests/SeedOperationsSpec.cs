using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using Overlay.Actors.Leases;
using Overlay.Cluster.Tests.Harness;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Management;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests;

/// <summary>overlay-seed's operator surface as a real process: /metrics with pinned names that follow
/// the registry, the management token on the write routes, the inspection subcommands (table and
/// JSON) and check-config.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SeedOperationsSpec(ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);
    private const string Token = "s3cret-token-0123456789";

    [Fact]
    public async Task Metrics_have_the_pinned_names_and_follow_lease_events_and_writes_need_the_token()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-ops-").FullName;
        var tokenFile = Path.Combine(dir, "token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var seed = SeedProcess.Start(["--data-dir", dir, "--management-token-file", tokenFile]);
        try
        {
            await seed.WaitReadyAsync(Long);
            Assert.DoesNotContain(Token, seed.Process.Output);
            Assert.Contains($"writes need the token from --management-token-file {tokenFile}", seed.Process.Output);

            var first = await ScrapeAsync(seed);
            Assert.Equal(["overlay_build_info", "overlay_leases", "overlay_registry_config_drift", "overlay_registry_up", "overlay_registry_version", "overlay_subnets_free"],
                PrometheusText.Families(first));
            Assert.Matches(@"(?m)^overlay_build_info\{.*version=""\d+\.\d+\.\d+.*""\} 1$", first);
            Assert.Equal(0, PrometheusText.Value(first, "overlay_leases"));
            Assert.Equal(255, PrometheusText.Value(first, "overlay_subnets_free")); // 10.244.1.0/24 .. 10.244.255.0/24
            Assert.Equal(1, PrometheusText.Value(first, "overlay_registry_up"));

            await using var node = await ClusterMember.StartAsync(null, seedAddress: seed.Address);
            var lease = (await node.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-a", IPAddress.Parse("192.0.2.11"), 8285, null, node.Address.ToString()), Long)).Lease;
            var granted = await Poll.UntilAsync(async () =>
            {
                var text = await ScrapeAsync(seed);
                return PrometheusText.Value(text, "overlay_lease_events_total", "type=\"granted\"") == 1 && PrometheusText.Value(text, "overlay_leases") == 1 ? text : null;
            }, Long, "the grant to show in /metrics");
            Assert.Equal(254, PrometheusText.Value(granted, "overlay_subnets_free"));
            Assert.Equal(lease.Version, PrometheusText.Value(granted, "overlay_registry_version"));
            Assert.Contains("overlay_lease_events_total", PrometheusText.Families(granted));

            // Reads stay open; writes need the token: none, a wrong one, then the right one.
            Assert.Equal(HttpStatusCode.OK, (await seed.Http.GetAsync("leases")).StatusCode);
            var path = $"leases/{lease.Subnet.Key}";
            Assert.Equal(HttpStatusCode.Unauthorized, (await seed.Http.DeleteAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(seed, HttpMethod.Delete, path, "wrong-token")).StatusCode);
            var leave = $"cluster/members/{Uri.EscapeDataString(node.Address.ToString())}";
            Assert.Equal(HttpStatusCode.Unauthorized, (await seed.Http.DeleteAsync(leave)).StatusCode);
            var unauthorized = await SendAsync(seed, HttpMethod.Put, leave + "?operation=Leave", Token[..^1]);
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
            Assert.Equal("Bearer", unauthorized.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Single((await seed.GetJsonAsync("leases")).GetProperty("leases").EnumerateArray());
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(seed, HttpMethod.Delete, path, Token)).StatusCode);

            var ended = await Poll.UntilAsync(async () =>
            {
                var text = await ScrapeAsync(seed);
                return PrometheusText.Value(text, "overlay_lease_events_total", "reason=\"evicted\"") == 1 && PrometheusText.Value(text, "overlay_leases") == 0 ? text : null;
            }, Long, "the eviction to show in /metrics");
            Assert.Equal(255, PrometheusText.Value(ended, "overlay_subnets_free"));
            Assert.Matches(@"(?m)^overlay_lease_events_total\{[^}]*reason=""evicted""[^}]*type=""ended""\} 1$", ended);
            output.WriteLine(ended);
        }
        finally
        {
            output.WriteLine(seed.Process.Output);
        }
    }

    [Fact]
    public async Task Leases_list_and_members_print_tables_and_json_from_a_running_seed()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-cli-").FullName;
        using var seed = SeedProcess.Start(["--data-dir", dir]);
        try
        {
            await seed.WaitReadyAsync(Long);
            await using var node = await ClusterMember.StartAsync(null, seedAddress: seed.Address);
            var lease = (await node.Registry.Ask<LeaseAcquired>(
                new AcquireLease("node-b", IPAddress.Parse("192.0.2.12"), 8285, null, node.Address.ToString()), Long)).Lease;
            await Poll.UntilTrueAsync(async () => (await seed.GetJsonAsync("cluster/members")).GetProperty("members").GetArrayLength() == 2,
                Long, "the node to show as a member");
            var port = seed.ManagementPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

            var table = await RunCliAsync(["leases", "list", "--management-port", port]);
            var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(@"^SUBNET\s{2,}NODE\s{2,}PUBLIC-IP\s{2,}PORT\s{2,}EXPIRES\s{2,}VERSION\s{2,}MEMBER$", lines[0]);
            Assert.Matches($@"^{Regex.Escape(lease.Subnet.ToString())}\s+node-b\s+192\.0\.2\.12\s+8285\s+\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+{lease.Version}\s+{Regex.Escape(node.Address.ToString())}$", lines[1]);
            Assert.Equal(lines[0].IndexOf("NODE", StringComparison.Ordinal), lines[1].IndexOf("node-b", StringComparison.Ordinal));
            Assert.Equal($"network 10.244.0.0/16, 1 leases, registry version {lease.Version}", lines[2]);

            var json = JsonDocument.Parse(await RunCliAsync(["leases", "list", "--endpoint", $"http://127.0.0.1:{port}", "--json"])).RootElement;
            Assert.Equal(lease.Subnet.ToString(), json.GetProperty("leases")[0].GetProperty("subnet").GetString());
            Assert.Equal("10.244.0.0/16", json.GetProperty("network").GetProperty("network").GetString());

            var members = (await RunCliAsync(["members", "--management-port", port], ("OVERLAY_MANAGEMENT_HOST", "0.0.0.0")))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Matches(@"^ADDRESS\s{2,}STATUS\s{2,}ROLES\s{2,}REACHABLE\s{2,}NOTE$", members[0]);
            Assert.Contains(members, l => Regex.IsMatch(l, $@"^{Regex.Escape(seed.Address)}\s+Up\s+registry,seed\s+yes\s+self(,leader)?,oldest$"));
            Assert.Contains(members, l => Regex.IsMatch(l, $@"^{Regex.Escape(node.Address.ToString())}\s+Up\s+node\s+yes(\s+leader)?$"));
            // The leader is the Up member with the lowest address, whichever that is; exactly one row says so.
            Assert.Single(members, l => l.EndsWith("leader", StringComparison.Ordinal) || l.Contains("leader,", StringComparison.Ordinal));
            var membersJson = JsonDocument.Parse(await RunCliAsync(["members", "--management-port", port, "--json"])).RootElement;
            Assert.Equal(seed.Address, membersJson.GetProperty("selfNode").GetString());
        }
        finally
        {
            output.WriteLine(seed.Process.Output);
        }
    }

    [Fact]
    public async Task An_unreachable_endpoint_ends_the_command_with_one_line_and_exit_code_1()
    {
        using var cli = ChildProcess.Start("overlay-seed.dll", ["leases", "list", "--management-port", FreePort.Next().ToString()]);
        Assert.True(await cli.WaitForExitAsync(Long), "overlay-seed leases list did not exit");
        Assert.Equal(1, cli.ExitCode);
        var line = Assert.Single(cli.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ERR overlay-seed leases list: GET http://127.0.0.1:", line);
    }

    [Fact]
    public async Task Check_config_prints_the_effective_settings_redacted_and_rejects_bad_values_in_one_line()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-check-").FullName;
        var good = await RunCliAsync(["check-config", "--data-dir", dir, "--lease-ttl", "12h", "--log-format", "json",
            "--db-provider", "postgres", "--db", "Host=db;Username=u;Password=hunter2"], (ManagementTokenOption.TokenVariable, Token));
        Assert.Matches(@"(?m)^lease-ttl\s+12h$", good);
        Assert.Matches(@"(?m)^log\s+json at info$", good);
        Assert.Matches(@"(?m)^management\s+127\.0\.0\.1:8558 \(writes need the token from OVERLAY_MANAGEMENT_TOKEN\)$", good);
        Assert.Contains("Password=***", good);
        Assert.DoesNotContain("hunter2", good);
        Assert.DoesNotContain(Token, good);

        var json = JsonDocument.Parse(await RunCliAsync(["check-config", "--data-dir", dir, "--json"])).RootElement;
        Assert.Equal("10.244.0.0/16", json.GetProperty("network").GetString());

        foreach (var (args, named) in new[]
                 {
                     (new[] { "check-config", "--lease-ttl", "forever" }, "forever"),
                     (new[] { "check-config", "--log-format", "xml" }, "--log-format"),
                     (new[] { "check-config", "--management-token-file", Path.Combine(dir, "missing") }, "missing"),
                 })
        {
            using var bad = ChildProcess.Start("overlay-seed.dll", args);
            Assert.True(await bad.WaitForExitAsync(Long), "check-config did not exit");
            Assert.Equal(ProcessRunner.BadSettingsExitCode, bad.ExitCode);
            var line = Assert.Single(bad.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(named, line);
        }
    }

    [Fact]
    public async Task Json_logs_start_with_the_complete_redacted_settings_line()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-seed-log-").FullName;
        using var seed = SeedProcess.Start(["--data-dir", dir, "--log-format", "json", "--lease-grace", "90s"]);
        try
        {
            await seed.WaitReadyAsync(Long);
        }
        finally
        {
            output.WriteLine(seed.Process.Output);
        }
        var lines = seed.Process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
            JsonDocument.Parse(line); // every line while running is one JSON object
        var first = JsonDocument.Parse(lines[0]).RootElement;
        Assert.Equal("Overlay.Seed", first.GetProperty("Category").GetString());
        Assert.Equal("Information", first.GetProperty("LogLevel").GetString());
        var message = first.GetProperty("Message").GetString()!;
        Assert.StartsWith("overlay-seed starting: version=", message);
        foreach (var key in new[] { "cluster-address=", "seeds=", "network=10.244.0.0/16", "storage=Sqlite", "management=127.0.0.1:",
                     "lease-ttl=24h", "lease-grace=90s", "snapshot-every=100", "log=json at info" })
            Assert.Contains(key, message);
        Assert.Contains(lines, l => l.Contains("\"Category\":\"Akka.", StringComparison.Ordinal));
    }

    [Fact]
    public void The_token_comes_from_the_file_before_the_variable_and_is_never_printed()
    {
        var option = new ManagementTokenOption();
        var root = new System.CommandLine.RootCommand();
        option.AddTo(root);
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "  from-file \n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var environment = new Dictionary<string, string?> { [ManagementTokenOption.TokenVariable] = "from-env" };
        var basic = new ManagementSettings("127.0.0.1", 8558);

        var fromFile = option.Apply(basic, new FlagReader(root.Parse(["--management-token-file", file]), environment.GetValueOrDefault), environment.GetValueOrDefault);
        Assert.Equal("from-file", fromFile.Token);
        var fromEnv = option.Apply(basic, new FlagReader(root.Parse([]), environment.GetValueOrDefault), environment.GetValueOrDefault);
        Assert.Equal("from-env", fromEnv.Token);
        Assert.Null(option.Apply(basic, new FlagReader(root.Parse([]), _ => null), _ => null).Token);
        Assert.DoesNotContain("from-env", fromEnv.ToString());
        Assert.DoesNotContain("from-env", fromEnv.Describe());
        File.WriteAllText(file, " \n");
        var empty = Assert.Throws<SettingsException>(() =>
            option.Apply(basic, new FlagReader(root.Parse(["--management-token-file", file]), _ => null), _ => null));
        Assert.Contains(file, empty.Message);
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead, "0640")]
    [InlineData(UnixFileMode.OtherRead, "0604")]
    public void A_token_file_that_group_or_others_can_read_is_refused_naming_the_file_and_its_mode(UnixFileMode extra, string mode)
    {
        var option = new ManagementTokenOption();
        var root = new System.CommandLine.RootCommand();
        option.AddTo(root);
        var file = Path.GetTempFileName();
        File.WriteAllText(file, "from-file\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);
        var error = Assert.Throws<SettingsException>(() => option.Apply(new ManagementSettings("127.0.0.1", 8558),
            new FlagReader(root.Parse(["--management-token-file", file]), _ => null), _ => null));
        Assert.Equal($"--management-token-file: the token file '{file}' is readable by group or others (mode {mode}); chmod 600 it", error.Message);
        Assert.DoesNotContain("from-file", error.Message);
    }

    [Theory]
    [InlineData("0.0.0.0", false)]
    [InlineData("192.0.2.10", false)]
    [InlineData("seed.example", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.53", true)]
    [InlineData("::1", true)]
    [InlineData("localhost", true)]
    public void Writes_open_without_a_token_are_allowed_on_loopback_only(string host, bool allowed)
    {
        var open = new ManagementSettings(host, 8558);
        if (allowed)
            Assert.Same(open, ManagementTokenOption.RequireTokenBeyondLoopback(open));
        else
        {
            var error = Assert.Throws<SettingsException>(() => ManagementTokenOption.RequireTokenBeyondLoopback(open));
            Assert.StartsWith($"--management-host: the write routes (PUT/DELETE) would be open to anyone who reaches '{host}'", error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
        var guarded = open with { Token = "t" };
        Assert.Same(guarded, ManagementTokenOption.RequireTokenBeyondLoopback(guarded));
    }

    private static async Task<string> RunCliAsync(string[] args, params (string Key, string Value)[] environment)
    {
        using var cli = ChildProcess.Start("overlay-seed.dll", args, environment.ToDictionary(e => e.Key, e => e.Value));
        Assert.True(await cli.WaitForExitAsync(Long), $"overlay-seed {string.Join(' ', args)} did not exit");
        Assert.True(cli.ExitCode == 0, $"overlay-seed {string.Join(' ', args)} exited with {cli.ExitCode}:\n{cli.Output}");
        return cli.Output + "\n";
    }

    private static Task<HttpResponseMessage> SendAsync(SeedProcess seed, HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return seed.Http.SendAsync(request);
    }

    private static Task<string> ScrapeAsync(SeedProcess seed) => seed.Http.GetStringAsync("metrics");
}
