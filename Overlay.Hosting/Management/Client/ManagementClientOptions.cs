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
    /// <summary>--endpoint: the base URI (scheme and authority); null: from --management-host/--management-port.</summary>
    public static readonly Flag<Uri?> Endpoint = new("--endpoint", "Management endpoint URL, e.g. http://127.0.0.1:8558",
        ["OVERLAY_ENDPOINT"], null, ParseEndpoint, "from --management-host/--management-port");

    /// <summary>--management-host as a client reads it (the server's variable and default).</summary>
    public static readonly Flag<string> Host = new("--management-host", "Management address",
        [.. ManagementSettings.HostFlag.Environment], ManagementSettings.DefaultHost, FlagParsers.Text);

    /// <summary>--management-port as a client reads it (the server's variable and default; 0 cannot be reached).</summary>
    public static readonly Flag<int> Port = new("--management-port", "Management port",
        [.. ManagementSettings.PortFlag.Environment], ManagementSettings.DefaultPort, FlagParsers.Port(allowZero: false));

    /// <summary>--json.</summary>
    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of a table" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        Flag.AddTo(command, [Endpoint, Host, Port]);
        command.Options.Add(Json);
    }

    /// <summary>The endpoint's base URI; throws <see cref="SettingsException"/> naming a bad value.</summary>
    public static Uri BaseAddress(ParseResult result, Func<string, string?>? environment = null)
    {
        var flags = new FlagReader(result, environment);
        if (flags.Read(Endpoint) is { } endpoint)
            return endpoint;
        var host = flags.Read(Host);
        if (IPAddress.TryParse(host, out var address))
        {
            if (address.Equals(IPAddress.Any))
                host = "127.0.0.1";
            else if (address.Equals(IPAddress.IPv6Any))
                host = "[::1]";
            else if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
                host = $"[{address}]";
        }
        return new Uri($"http://{host}:{flags.Read(Port)}/");
    }

    private static Uri ParseEndpoint(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? new Uri(uri.GetLeftPart(UriPartial.Authority) + "/")
            : throw new FlagValueException("not an http:// URL");
}
