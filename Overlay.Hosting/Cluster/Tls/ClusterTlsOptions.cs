using System.CommandLine;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Cluster.Tls;

/// <summary>
/// The remoting TLS flags both processes take, named after flannel's etcd client flags:
/// --tls-cert, --tls-key, --tls-ca (env OVERLAY_TLS_CERT, OVERLAY_TLS_KEY, OVERLAY_TLS_CA), or
/// --insecure-cluster (env OVERLAY_INSECURE_CLUSTER) to run remoting in plain TCP. One of the two
/// is required: a member without TLS lets anyone who reaches its port join the cluster, so that
/// must be a stated choice, never the default.
/// </summary>
public sealed class ClusterTlsOptions
{
    private const string RequiredUnlessInsecure = "required unless --insecure-cluster";

    /// <summary>--tls-cert.</summary>
    public static readonly Flag<string?> Certificate = new("--tls-cert",
        "PEM certificate this member presents on Akka remoting, signed by the cluster CA", ["OVERLAY_TLS_CERT"],
        null, FlagParsers.Text, RequiredUnlessInsecure);

    /// <summary>--tls-key.</summary>
    public static readonly Flag<string?> Key = new("--tls-key",
        "PEM private key of --tls-cert, readable by its owner only (mode 0600)", ["OVERLAY_TLS_KEY"],
        null, FlagParsers.Text, RequiredUnlessInsecure);

    /// <summary>--tls-ca.</summary>
    public static readonly Flag<string?> Authority = new("--tls-ca",
        "PEM cluster CA certificate: the only trust anchor for peers (the system store is not used)", ["OVERLAY_TLS_CA"],
        null, FlagParsers.Text, RequiredUnlessInsecure);

    /// <summary>--insecure-cluster ("--insecure-cluster" alone means true).</summary>
    public static readonly Flag<bool> Insecure = new("--insecure-cluster",
        "Run Akka remoting without TLS: anyone who reaches the cluster port can join (tests on loopback only)", ["OVERLAY_INSECURE_CLUSTER"],
        false, FlagParsers.Boolean, "false", isSwitch: true);

    /// <summary>The four flags in help order.</summary>
    public static readonly IReadOnlyList<Flag> All = [Certificate, Key, Authority, Insecure];

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => Flag.AddTo(command, All);

    /// <summary>The loaded TLS material, or null with --insecure-cluster; throws <see cref="SettingsException"/>
    /// when neither is given, when they are mixed, or when a file is bad.</summary>
    public ClusterTls? Bind(FlagReader flags)
    {
        var insecure = flags.Read(Insecure);
        var (cert, certSource) = flags.Raw(Certificate);
        var (key, keySource) = flags.Raw(Key);
        var (ca, caSource) = flags.Raw(Authority);
        var files = new[] { (Path: cert, Source: certSource), (Path: key, Source: keySource), (Path: ca, Source: caSource) };
        if (insecure)
        {
            var mixed = files.FirstOrDefault(f => f.Path is not null);
            return mixed.Path is null
                ? null
                : throw new SettingsException($"--insecure-cluster: cannot be combined with {mixed.Source} '{mixed.Path}'; give the TLS files or --insecure-cluster, not both");
        }
        if (cert is null && key is null && ca is null)
            throw new SettingsException(
                "--tls-cert, --tls-key, --tls-ca: Akka remoting needs this member's certificate, its key and the cluster CA "
                + "(make them with `overlay-seed ca init` and `overlay-seed ca issue`), or --insecure-cluster to run it without TLS");
        var missing = files.Where(f => f.Path is null).Select(f => f.Source).ToList();
        if (missing.Count > 0)
            throw new SettingsException($"{string.Join(", ", missing)}: missing; --tls-cert, --tls-key and --tls-ca go together");
        return ClusterTlsLoader.Load(cert!, key!, ca!, new ClusterTlsLoader.Sources(certSource, keySource, caSource));
    }
}
