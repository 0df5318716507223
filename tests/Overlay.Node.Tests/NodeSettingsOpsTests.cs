using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;
using Overlay.Actors.Addressing;
using Overlay.Hosting.Cli;
using Overlay.Hosting.Logging;

namespace Overlay.Node.Tests;

/// <summary>The operations flags of overlay-node: --ip-masq (flannel's boolean), --iptables-resync,
/// --log-format/--log-level and their environment mirrors, and the redacted effective settings.</summary>
public sealed class NodeSettingsOpsTests
{
    private static NodeSettings Bind(string[] args, Dictionary<string, string?>? environment = null)
    {
        var options = new NodeOptions();
        var root = new RootCommand();
        options.AddTo(root);
        var parse = root.Parse(["--seeds", "akka.tcp://overlay@192.0.2.10:4053", "--insecure-cluster", .. args]);
        Assert.Empty(parse.Errors);
        return options.Bind(parse, new FixedUnderlayProbe("192.0.2.11"), name => environment?.GetValueOrDefault(name));
    }

    [Fact]
    public void Defaults_are_flannels()
    {
        var settings = Bind([]);
        Assert.False(settings.IpMasq);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.IptablesResync);
        Assert.Equal(LogSettings.Default, settings.Log);
        Assert.Null(settings.Management.Token);
    }

    [Fact]
    public void Without_port_the_node_follows_the_networks_backend_port_and_port_overrides_it()
    {
        var following = Bind([]);
        Assert.Null(following.Port);
        Assert.Contains("port=Backend.Port of the network config", following.Describe().ToLogLine());

        var overridden = Bind(["--port", "8300"]);
        Assert.Equal(8300, overridden.Port);
        Assert.Contains("port=8300 (--port overrides Backend.Port)", overridden.Describe().ToLogLine());
        Assert.Equal(8400, Bind([], new Dictionary<string, string?> { ["OVERLAY_PORT"] = "8400" }).Port);
    }

    [Theory]
    [InlineData(new[] { "--ip-masq" }, true)]
    [InlineData(new[] { "--ip-masq", "true" }, true)]
    [InlineData(new[] { "--ip-masq", "false" }, false)]
    [InlineData(new[] { "--ip-masq", "--iptables-resync", "10s" }, true)]
    public void Ip_masq_is_a_boolean_flag(string[] args, bool expected) => Assert.Equal(expected, Bind(args).IpMasq);

    [Fact]
    public void Environment_mirrors_apply_and_flags_win()
    {
        var environment = new Dictionary<string, string?>
        {
            ["OVERLAY_IP_MASQ"] = "true", ["OVERLAY_IPTABLES_RESYNC"] = "1m", ["OVERLAY_LOG_FORMAT"] = "json",
            ["OVERLAY_LOG_LEVEL"] = "debug", ["OVERLAY_MANAGEMENT_TOKEN"] = "tok",
        };
        var settings = Bind([], environment);
        Assert.True(settings.IpMasq);
        Assert.Equal(TimeSpan.FromMinutes(1), settings.IptablesResync);
        Assert.Equal(new LogSettings(LogFormat.Json, LogLevel.Debug), settings.Log);
        Assert.Equal("tok", settings.Management.Token);
        Assert.Equal(LogFormat.Text, Bind(["--log-format", "text"], environment).Log.Format);

        var described = settings.Describe().ToLogLine();
        Assert.Contains("ip-masq=on", described);
        Assert.Contains("iptables-resync=1m", described);
        Assert.Contains("log=json at debug", described);
        Assert.Contains("writes need the token from OVERLAY_MANAGEMENT_TOKEN", described);
        Assert.DoesNotContain("=tok", described);
    }

    [Theory]
    [InlineData("--ip-masq", "maybe", "--ip-masq")]
    [InlineData("--iptables-resync", "often", "often")]
    [InlineData("--log-level", "loud", "--log-level")]
    [InlineData("--port", "0", "--port")]
    [InlineData("--port", "70000", "--port")]
    public void Bad_values_name_the_flag_and_the_value(string flag, string value, string named)
    {
        var error = Assert.Throws<SettingsException>(() => Bind([flag, value]));
        Assert.Contains(named, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void A_seed_that_is_not_an_overlay_cluster_address_is_refused_naming_it()
    {
        var options = new NodeOptions();
        var root = new RootCommand();
        options.AddTo(root);
        var parse = root.Parse(["--seeds", "akka.tcp://overlay@192.0.2.10:4053,akka.tcp://other@192.0.2.11:4053"]);
        var error = Assert.Throws<SettingsException>(() => options.Bind(parse, new FixedUnderlayProbe("192.0.2.11"), _ => null));
        Assert.Equal("--seeds: not an address akka.tcp://overlay@host:port (or akka.ssl.tcp://overlay@host:port): 'akka.tcp://other@192.0.2.11:4053'", error.Message);
    }

    [Fact]
    public void Remoting_binds_the_cluster_address_when_it_is_local_and_every_interface_otherwise()
    {
        var settings = Bind([]);
        Assert.Equal("192.0.2.11", settings.Cluster.BindHost);
        Assert.Equal("akka.tcp://overlay@192.0.2.11:4054", settings.Cluster.SelfAddress);
        Assert.Equal("0.0.0.0", Bind(["--cluster-ip", "203.0.113.5"]).Cluster.BindHost);
        Assert.Equal("0.0.0.0", Bind(["--cluster-ip", "node1.example"]).Cluster.BindHost);
        Assert.Contains("cluster-tls=off (--insecure-cluster)", settings.Describe().ToLogLine());
    }

    [Fact]
    public void With_tls_the_seeds_and_the_own_address_use_the_tls_protocol()
    {
        var dir = Directory.CreateTempSubdirectory("overlay-node-tls-").FullName;
        try
        {
            using var ca = Overlay.Hosting.Cluster.Tls.ClusterCertificateAuthority.Init(dir, "node-tests-ca");
            using var member = Overlay.Hosting.Cluster.Tls.ClusterCertificateAuthority.Issue(ca, "h1");
            var (cert, key) = Overlay.Hosting.Cluster.Tls.ClusterCertificateAuthority.Write(dir, "h1", member);
            var options = new NodeOptions();
            var root = new RootCommand();
            options.AddTo(root);
            var parse = root.Parse(["--seeds", "akka.tcp://overlay@192.0.2.10:4053,akka.ssl.tcp://overlay@192.0.2.20:4053",
                "--tls-cert", cert, "--tls-key", key, "--tls-ca", Path.Combine(dir, "ca.crt")]);
            var settings = options.Bind(parse, new FixedUnderlayProbe("192.0.2.11"), _ => null);
            Assert.Equal(["akka.ssl.tcp://overlay@192.0.2.10:4053", "akka.ssl.tcp://overlay@192.0.2.20:4053"], settings.Cluster.Seeds);
            Assert.Equal("akka.ssl.tcp://overlay@192.0.2.11:4054", settings.Cluster.SelfAddress);
            Assert.StartsWith("mutual TLS, certificate " + cert, settings.Cluster.Tls!.Describe());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_bad_seed_list_is_blamed_on_the_variable_it_came_from()
    {
        var seeds = new Flag<IReadOnlyList<string>>("--seeds", "seeds", ["CLUSTER_SEEDS", "OVERLAY_SEEDS"], [], FlagParsers.SeedAddresses, "this seed");
        var root = new RootCommand { seeds.CreateOption() };
        var flags = new FlagReader(root.Parse([]), name => name == "CLUSTER_SEEDS" ? "192.0.2.10:4053" : null);
        var error = Assert.Throws<SettingsException>(() => flags.Read(seeds));
        Assert.StartsWith("CLUSTER_SEEDS: not an address akka.tcp://overlay@host:port", error.Message);
        Assert.EndsWith("'192.0.2.10:4053'", error.Message);
    }

    [Fact]
    public void The_tun_name_follows_the_one_interface_name_rule_the_tun_device_checks()
    {
        var error = Assert.Throws<SettingsException>(() => Bind([], new Dictionary<string, string?> { ["OVERLAY_TUN_NAME"] = "sixteen-chars-xx" }));
        Assert.Equal($"OVERLAY_TUN_NAME: not a Linux interface name ({Overlay.Node.Tun.InterfaceName.Rule}): 'sixteen-chars-xx'", error.Message);
        Assert.Equal("fifteen-chars-x", Bind(["--tun-name", "fifteen-chars-x"]).TunName);
        Assert.False(Overlay.Node.Tun.InterfaceName.IsValid("tab\tname"));
        Assert.False(Overlay.Node.Tun.InterfaceName.IsValid("a/b"));
        Assert.Equal(Overlay.Node.Dataplane.DataplaneConstants.DefaultTunName, Bind([]).TunName);
    }
}
