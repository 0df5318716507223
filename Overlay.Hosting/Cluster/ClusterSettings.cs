using System.Net;
using System.Net.NetworkInformation;
using Overlay.Hosting.Cluster.Tls;

namespace Overlay.Hosting.Cluster;

/// <summary>
/// Where this process sits in the Akka cluster. Remoting binds <see cref="BindHost"/> and
/// advertises <see cref="AdvertisedHost"/>: peers must reach it by exactly that name, and seed
/// addresses must spell it the same way.
/// </summary>
/// <param name="AdvertisedHost">Host name or address others use to reach this process.</param>
/// <param name="Port">Remoting port; 0 picks a free one (tests).</param>
/// <param name="Seeds">Seed node addresses (protocol://overlay@host:port), the same list everywhere;
/// <see cref="Protocol"/> is what they must start with (see <see cref="NormalizeSeeds"/>).</param>
/// <param name="Roles">Cluster roles of this process.</param>
/// <param name="BindHost">Address remoting binds (see <see cref="ChooseBindHost"/>).</param>
/// <param name="Tls">Mutual TLS material; null runs remoting in plain TCP (--insecure-cluster).</param>
public sealed record ClusterSettings(
    string AdvertisedHost,
    int Port,
    IReadOnlyList<string> Seeds,
    IReadOnlyList<string> Roles,
    string BindHost = ClusterSettings.AnyAddress,
    ClusterTls? Tls = null)
{
    /// <summary>The actor system name; part of every cluster address.</summary>
    public const string SystemName = "overlay";

    /// <summary>Bind address meaning every interface.</summary>
    public const string AnyAddress = "0.0.0.0";

    /// <summary>Address protocol of plain TCP remoting.</summary>
    public const string PlainProtocol = "akka.tcp";

    /// <summary>Address protocol of TLS remoting (Akka's DotNetty transport names it so).</summary>
    public const string TlsProtocol = "akka.ssl.tcp";

    /// <summary>The address protocol every member of this cluster uses: TLS and plain members cannot talk.</summary>
    public string Protocol => Tls is null ? PlainProtocol : TlsProtocol;

    /// <summary>This process's own address, as it appears in seed lists.</summary>
    public string SelfAddress => $"{Protocol}://{SystemName}@{AdvertisedHost}:{Port}";

    /// <summary>Seed addresses rewritten to <paramref name="protocol"/>: operators may write either
    /// akka.tcp:// or akka.ssl.tcp:// (older lists, flannel-like configs); the transport decides.</summary>
    public static List<string> NormalizeSeeds(IEnumerable<string> seeds, string protocol) =>
        seeds.Select(s =>
        {
            var at = s.IndexOf("://", StringComparison.Ordinal);
            return at < 0 ? s : protocol + s[at..];
        }).ToList();

    /// <summary>What remoting binds for <paramref name="advertised"/>: the advertised address itself
    /// when it is an IP address of this host (nothing else on the host, no other interface, can
    /// reach the port), else every interface: a host name (resolved by peers, maybe differently),
    /// or an address that is not local (NAT, a container's published port, where the advertised
    /// address belongs to someone in front of us).</summary>
    public static string ChooseBindHost(string advertised, IEnumerable<IPAddress> localAddresses) =>
        IPAddress.TryParse(advertised, out var address) && localAddresses.Contains(address) ? address.ToString() : AnyAddress;

    /// <summary>The IPv4 and IPv6 addresses of this host's interfaces (the OS seam of <see cref="ChooseBindHost"/>).</summary>
    public static IReadOnlyList<IPAddress> LocalAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(u => u.Address)).ToList();
        }
        catch (NetworkInformationException)
        {
            return [];
        }
    }
}
