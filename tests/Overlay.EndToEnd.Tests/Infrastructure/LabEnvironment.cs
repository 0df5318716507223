namespace Overlay.EndToEnd.Tests.Infrastructure;

/// <summary>What a lab test needs beyond what every root test needs (see <see cref="RootEnvironment"/>).</summary>
public static class LabEnvironment
{
    /// <summary>Tools every root end-to-end test runs: ip (iproute2), ping (iputils-ping), curl, and
    /// what lab/topology.sh attaches pods with: the CNI bridge plugin (containernetworking-plugins,
    /// found by its full path) and iptables (the bridge plugin's and --ip-masq's masquerading).</summary>
    public static readonly IReadOnlyList<string> Tools = ["ip", "ping", "curl", "iptables", "/usr/lib/cni/bridge"];

    /// <summary>Why the lab tests cannot run here (<see cref="Tools"/> and <paramref name="extraTools"/>), or null.</summary>
    public static string? MissingReason(bool needsTun, IEnumerable<string> extraTools) =>
        RootEnvironment.MissingReason(needsTun, Tools.Concat(extraTools));

    /// <summary>Throws when <see cref="MissingReason"/> names something (the CI path).</summary>
    public static void Require(bool needsTun, IEnumerable<string> extraTools) =>
        RootEnvironment.Require(needsTun, Tools.Concat(extraTools));
}
