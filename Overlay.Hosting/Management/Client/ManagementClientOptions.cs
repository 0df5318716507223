using System.CommandLine;
using System.Net;
using Overlay.Hosting.Cli;

namespace Overlay.Hosting.Management.Client;

/// <summary>
/// The options every inspection subcommand shares: where the management endpoint is
/// (--endpoint http://host:port, or --management-host/--management-port with the same environment
/// mirrors and defaults as the server, so one EnvironmentFile serves both) and --json.
/// A wildcard bind address (0.0.0.0, ::) is reached through loopback.
/// </summary>
public sealed class ManagementClientOptions
{
    /// <summary>--endpoint.</summary>
    public Option<string?> Endpoint { get; } = new("--endpoint")
    { Description = "Management endpoint URL, e.g. http://127.0.0.1:8558 [env OVERLAY_ENDPOINT; default from --management-host/--management-port]" };

    /// <summary>--management-host.</summary>
    public Option<string?> Host { get; } = new("--management-host")
    { Description = "Management address [env OVERLAY_MANAGEMENT_HOST; default 127.0.0.1]" };

    /// <summary>--management-port.</summary>
    public Option<string?> Port { get; } = new("--management-port")
    { Description = $"Management port [env OVERLAY_MANAGEMENT_PORT; default {ManagementSettings.DefaultPort}]" };

    /// <summary>--json.</summary>
    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of a table" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Endpoint);
        command.Options.Add(Host);
        command.Options.Add(Port);
        command.Options.Add(Json);
    }

    /// <summary>The endpoint's base URI; throws <see cref="SettingsException"/> naming a bad value.</summary>
    public Uri BaseAddress(ParseResult result, Func<string, string?>? environment = null)
    {
        var flags = new FlagReader(result, environment);
        var (endpoint, source) = flags.Raw(Endpoint, "OVERLAY_ENDPOINT");
        if (endpoint is not null)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new SettingsException($"{source}: not an http:// URL: '{endpoint}'");
            return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        }
        var host = flags.String(Host, "127.0.0.1", "OVERLAY_MANAGEMENT_HOST");
        var port = flags.Port(Port, ManagementSettings.DefaultPort, allowZero: false, "OVERLAY_MANAGEMENT_PORT");
        if (IPAddress.TryParse(host, out var address))
        {
            if (address.Equals(IPAddress.Any))
                host = "127.0.0.1";
            else if (address.Equals(IPAddress.IPv6Any))
                host = "[::1]";
            else if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
                host = $"[{address}]";
        }
        return new Uri($"http://{host}:{port}/");
    }
}
